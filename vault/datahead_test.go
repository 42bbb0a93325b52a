package vault

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// shippingSetup: an owner's vault with two customers and a shipping helper
// who has shipped to the first. It returns the helper and both aliases.
func shippingSetup(t *testing.T) (*fixture, *age.X25519Identity, string, string) {
	t.Helper()
	f := newFixture(t)
	v := f.open(t)
	a1, a2 := mustAdd(t, v, sampleCustomer(1)), mustAdd(t, v, sampleCustomer(2))
	helper := addHelper(t, v, RoleShipping, "packing-desk")
	must(t, v.Close())
	shipAsHelper(t, f, helper, a1)
	return f, helper, a1, a2
}

// shipAsHelper ships each alias with the helper's identity, an hour apart,
// in a session of its own.
func shipAsHelper(t *testing.T, f *fixture, helper age.Identity, aliases ...string) {
	t.Helper()
	h, err := Open(f.path, f.opts([]age.Identity{helper}))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range aliases {
		f.clock.t = f.clock.t.Add(time.Hour)
		if _, err := h.Ship(a, "dhl", "", f.clock.t); err != nil {
			t.Fatal(err)
		}
	}
	must(t, h.Close())
}

// helperKeys are what the shipping helper's session holds: their signing
// key and a tagger under the state key the head sums with.
func helperKeys(t *testing.T, f *fixture, helper *age.X25519Identity) (ed25519.PrivateKey, *tagger) {
	t.Helper()
	o, err := Open(f.path, f.opts([]age.Identity{helper}))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { must(t, o.Close()) }()
	var key ed25519.PrivateKey
	var tg *tagger
	err = o.view(func(tx *bolt.Tx) error {
		if key, err = o.signingKeyFor(tx, o.policy.recipient(crypto.RecipientID(helper.Recipient().String()))); err != nil {
			return err
		}
		sk, err := o.keys.key(tx, GroupState, o.head.Buckets.State)
		if err != nil {
			return err
		}
		tg, err = newTagger(bytes.Clone(sk), o.head.Buckets.State)
		return err
	})
	if err != nil || key == nil {
		t.Fatalf("helper keys: %v", err)
	}
	// Close clears the session's keys; the attacker keeps a copy.
	return ed25519.PrivateKey(bytes.Clone(key)), tg
}

// backdate sets a record's metadata dates ten years back, as an attacker
// who wants cron's purge to erase the customer would.
func backdate(t *testing.T, tx *bolt.Tx, alias string) {
	t.Helper()
	rb := tx.Bucket(bRecords)
	c := rb.Cursor()
	for k, val := c.First(); k != nil; k, val = c.Next() {
		m, err := decodeMeta(val)
		if err != nil || crypto.FormatAlias(m.Alias) != alias {
			continue
		}
		back := -10 * 365 * 24 * time.Hour
		m.Created, m.Updated, m.LastActivity = m.Created.Add(back), m.Updated.Add(back), m.LastActivity.Add(back)
		if err := rb.Put(bytes.Clone(k), encodeMeta(m)); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("no record with alias %s", alias)
}

// resignAsHelper re-sums the tagged buckets and signs a head over them with
// the helper's key, naming the data head as an honest shipping head does.
func resignAsHelper(t *testing.T, tx *bolt.Tx, key ed25519.PrivateKey, tg *tagger) {
	t.Helper()
	_, prev, err := decodeHead(tx.Bucket(bMeta).Get(mHead))
	if err != nil {
		t.Fatal(err)
	}
	h := *prev
	h.Counter++
	h.Buckets = &bucketSums{State: prev.Buckets.State, Buckets: sumBuckets(tx, tg)}
	body, _ := json.Marshal(h)
	if err := tx.Bucket(bMeta).Put(mHead, crypto.EncodeSigned(key, crypto.DomainHead, body)); err != nil {
		t.Fatal(err)
	}
}

// wantDataIntegrity: exit 7, naming the data head or the shipping person.
func wantDataIntegrity(t *testing.T, err error, what string) {
	t.Helper()
	wantIntegrity(t, err, what)
	if msg := err.Error(); !strings.Contains(msg, "data head") && !strings.Contains(msg, "shipping person") {
		t.Errorf("%s: %v does not name the data head or the shipping person", what, err)
	}
}

func checkOwner(t *testing.T, f *fixture) (CheckResult, error) {
	t.Helper()
	v, err := Open(f.path, f.opts([]age.Identity{f.owner}))
	if err != nil {
		return CheckResult{}, err
	}
	defer func() { must(t, v.Close()) }()
	return v.Check(false)
}

// Issue 13: a shipping helper's honest ships keep every check green, and
// their heads carry the owner's data head.
func TestShippingHeadKeepsDataHead(t *testing.T) {
	f, helper, a1, a2 := shippingSetup(t)
	h, err := Open(f.path, f.opts([]age.Identity{helper}))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{a1, a2, a1} {
		f.clock.t = f.clock.t.Add(time.Hour)
		if _, err := h.Ship(a, "dhl", "", f.clock.t); err != nil {
			t.Fatal(err)
		}
	}
	if h.head.Role != RoleShipping || h.head.DataHead == "" || len(h.head.Shipped) != 2 {
		t.Errorf("shipping head: role %s data head %q shipped %d", h.head.Role, h.head.DataHead, len(h.head.Shipped))
	}
	must(t, h.Close())
	res, err := checkOwner(t, f)
	if err != nil {
		t.Fatal(err)
	}
	for _, hint := range res.Hints {
		if strings.Contains(hint, "data head") {
			t.Errorf("check hint: %s", hint)
		}
	}
	// The owner's next write makes a new data head; the helper goes on.
	v := f.open(t)
	if _, err := v.Edit(a2, map[string]string{"note": "red gate"}); err != nil {
		t.Fatal(err)
	}
	must(t, v.Close())
	h, err = Open(f.path, f.opts([]age.Identity{helper}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Ship(a2, "dhl", "", f.clock.t); err != nil {
		t.Fatal(err)
	}
	if len(h.head.Shipped) != 1 {
		t.Errorf("shipped after the owner's write: %d, want 1", len(h.head.Shipped))
	}
	must(t, h.Close())
	if _, err := checkOwner(t, f); err != nil {
		t.Fatal(err)
	}
}

// Issue 13: a shipping person who can write the file changes records or
// tombstones and signs a head over them with their own key: open or check
// fails (exit 7), and their own code refuses to sign it.
func TestShippingPersonCannotVouchForRecords(t *testing.T) {
	cases := map[string]struct {
		edit func(t *testing.T, tx *bolt.Tx, a1, a2 string)
		// atOpen: caught at open (no state key needed), else by check.
		atOpen bool
	}{
		"metadata back-dated":       {edit: func(t *testing.T, tx *bolt.Tx, a1, a2 string) { backdate(t, tx, a2) }},
		"shipped record back-dated": {edit: func(t *testing.T, tx *bolt.Tx, a1, a2 string) { backdate(t, tx, a1) }},
		"record deleted": {atOpen: true, edit: func(t *testing.T, tx *bolt.Tx, a1, a2 string) {
			k, _ := tx.Bucket(bRecords).Cursor().Last()
			must(t, tx.Bucket(bRecords).Delete(bytes.Clone(k)))
		}},
		"tombstone added": {atOpen: true, edit: func(t *testing.T, tx *bolt.Tx, a1, a2 string) {
			must(t, tx.Bucket(bTombstones).Put(bytes.Repeat([]byte{7}, idLen), []byte(`{"erased":"2026-01-01T00:00:00Z"}`)))
		}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			f, helper, a1, a2 := shippingSetup(t)
			key, tg := helperKeys(t, f, helper)
			f.tamper(t, func(tx *bolt.Tx) error {
				c.edit(t, tx, a1, a2)
				resignAsHelper(t, tx, key, tg)
				return nil
			})
			v, err := Open(f.path, f.opts([]age.Identity{f.owner}))
			if c.atOpen {
				wantDataIntegrity(t, err, "owner open")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.Check(false)
			must(t, v.Close())
			wantDataIntegrity(t, err, "check")
		})
	}
	// The helper's own signing path refuses the same edit.
	t.Run("signing path refuses", func(t *testing.T) {
		f, helper, _, a2 := shippingSetup(t)
		key, tg := helperKeys(t, f, helper)
		o, err := Open(f.path, f.opts([]age.Identity{helper}))
		if err != nil {
			t.Fatal(err)
		}
		defer func() { must(t, o.Close()) }()
		err = o.db.Update(func(tx *bolt.Tx) error {
			backdate(t, tx, a2)
			sums := &bucketSums{State: o.head.Buckets.State, Buckets: sumBuckets(tx, tg)}
			r := o.policy.recipient(crypto.RecipientID(helper.Recipient().String()))
			_, err := signHead(tx, o.vaultID, o.head, o.policy, r, key, f.clock.t, sums, &txTags{tagger: tg})
			return err
		})
		wantDataIntegrity(t, err, "shipping person's signHead over a back-dated record")
	})
}

// Issue 13: the data head deleted or put back to an older owner head is
// caught.
func TestDataHeadDeletedOrRolledBack(t *testing.T) {
	cases := map[string]func(t *testing.T, f *fixture, helper *age.X25519Identity, old []byte){
		"deleted under a shipping head": func(t *testing.T, f *fixture, helper *age.X25519Identity, old []byte) {
			f.tamper(t, func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Delete(mDataHead) })
		},
		"older owner head put back under a shipping head": func(t *testing.T, f *fixture, helper *age.X25519Identity, old []byte) {
			f.tamper(t, func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put(mDataHead, old) })
		},
		"deleted, head re-signed by the helper without naming it": func(t *testing.T, f *fixture, helper *age.X25519Identity, old []byte) {
			key, _ := helperKeys(t, f, helper)
			f.tamper(t, func(tx *bolt.Tx) error {
				must(t, tx.Bucket(bMeta).Delete(mDataHead))
				_, prev, _ := decodeHead(tx.Bucket(bMeta).Get(mHead))
				prev.DataHead, prev.Shipped = "", nil
				body, _ := json.Marshal(prev)
				must(t, tx.Bucket(bMeta).Put(mHead, crypto.EncodeSigned(key, crypto.DomainHead, body)))
				return nil
			})
		},
		"older owner head put back, head re-signed by the helper": func(t *testing.T, f *fixture, helper *age.X25519Identity, old []byte) {
			key, _ := helperKeys(t, f, helper)
			f.tamper(t, func(tx *bolt.Tx) error {
				must(t, tx.Bucket(bMeta).Put(mDataHead, old))
				_, prev, _ := decodeHead(tx.Bucket(bMeta).Get(mHead))
				prev.DataHead, prev.Shipped = sha256Hex(old), nil
				body, _ := json.Marshal(prev)
				must(t, tx.Bucket(bMeta).Put(mHead, crypto.EncodeSigned(key, crypto.DomainHead, body)))
				return nil
			})
		},
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			f, helper, a1, _ := shippingSetup(t)
			var old []byte
			f.tamper(t, func(tx *bolt.Tx) error { old = bytes.Clone(tx.Bucket(bMeta).Get(mDataHead)); return nil })
			// The owner adds a customer: a newer data head.
			v := f.open(t)
			mustAdd(t, v, sampleCustomer(3))
			must(t, v.Close())
			h, err := Open(f.path, f.opts([]age.Identity{helper}))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := h.Ship(a1, "dhl", "", f.clock.t); err != nil {
				t.Fatal(err)
			}
			must(t, h.Close())
			edit(t, f, helper, old)
			_, err = Open(f.path, f.opts([]age.Identity{f.owner}))
			wantDataIntegrity(t, err, "owner open")
		})
	}
	t.Run("put back under an owner head", func(t *testing.T) {
		f, _, _, _ := shippingSetup(t)
		var old []byte
		f.tamper(t, func(tx *bolt.Tx) error { old = bytes.Clone(tx.Bucket(bMeta).Get(mDataHead)); return nil })
		v := f.open(t)
		mustAdd(t, v, sampleCustomer(3))
		must(t, v.Close())
		f.tamper(t, func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put(mDataHead, old) })
		_, err := Open(f.path, f.opts([]age.Identity{f.owner}))
		wantDataIntegrity(t, err, "owner open")
	})
}

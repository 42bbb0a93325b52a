package vault

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// editRecord changes the record with alias in place, as a shipping
// helper's modified client would inside a transaction of their own.
func editRecord(t *testing.T, tx *bolt.Tx, alias string, edit func(m *recordMeta)) {
	t.Helper()
	rb := tx.Bucket(bRecords)
	c := rb.Cursor()
	for k, val := c.First(); k != nil; k, val = c.Next() {
		m, err := decodeMeta(val)
		if err != nil || crypto.FormatAlias(m.Alias) != alias {
			continue
		}
		m.sealed = bytes.Clone(m.sealed)
		edit(m)
		must(t, rb.Put(bytes.Clone(k), encodeMeta(m)))
		return
	}
	t.Fatalf("no record with alias %s", alias)
}

// fileState is what the tests compare to tell that nothing was written.
func fileState(t *testing.T, f *fixture) (head []byte, audit int) {
	t.Helper()
	db, err := bolt.Open(f.path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { must(t, db.Close()) }()
	must(t, db.View(func(tx *bolt.Tx) error {
		head = bytes.Clone(tx.Bucket(bMeta).Get(mHead))
		audit = tx.Bucket(bAudit).Stats().KeyN
		return nil
	}))
	return head, audit
}

// Issue 13 (red-team, item 1): a shipping helper changes a customer's
// record in a transaction of their own and signs the head with their own
// key. Open cannot tell (the record count is unchanged), but an owner's
// next write, even a logged show of another customer, must not take the
// helper's sums as its base and sign them in: it fails (exit 7) with
// nothing written, and check still fails afterwards.
func TestOwnerWriteRefusesShippingHeadBeyondShipmentDates(t *testing.T) {
	cases := map[string]func(t *testing.T, tx *bolt.Tx, shipped, other string){
		"another customer back-dated": func(t *testing.T, tx *bolt.Tx, shipped, other string) {
			backdate(t, tx, other)
		},
		"another customer's hold removed": func(t *testing.T, tx *bolt.Tx, shipped, other string) {
			editRecord(t, tx, other, func(m *recordMeta) { m.Hold = nil })
		},
		"shipped-to customer's sealed address changed": func(t *testing.T, tx *bolt.Tx, shipped, other string) {
			editRecord(t, tx, shipped, func(m *recordMeta) { m.sealed[len(m.sealed)-1] ^= 1 })
		},
		"shipped-to customer back-dated": func(t *testing.T, tx *bolt.Tx, shipped, other string) {
			backdate(t, tx, shipped)
		},
		"shipped-to customer's shipment date moved back": func(t *testing.T, tx *bolt.Tx, shipped, other string) {
			editRecord(t, tx, shipped, func(m *recordMeta) {
				back := m.LastShipment.Add(-48 * time.Hour)
				m.LastShipment = &back
			})
		},
	}
	writes := map[string]func(v *Vault, third string) error{
		"show of another customer": func(v *Vault, third string) error {
			_, err := v.Show(third, nil)
			return err
		},
		"add": func(v *Vault, third string) error {
			_, err := v.Add(sampleCustomer(4))
			return err
		},
	}
	for name, edit := range cases {
		for wname, write := range writes {
			t.Run(name+"/"+wname, func(t *testing.T) {
				p := shippingAttackSetup(t)
				p.attack(t, func(tx *bolt.Tx, h *headBody) { edit(t, tx, p.shipped, p.other) })
				p.ownerWriteRefused(t, wname, func(v *Vault) error { return write(v, p.third) })
			})
		}
	}
}

// shippingAttack is a vault where the owner shipped to other, put them on
// hold and issued a courier alias for shipped, and then a shipping helper
// shipped to shipped: the data head is the owner's, the head the helper's.
type shippingAttack struct {
	f                     *fixture
	helper                *age.X25519Identity
	shipped, other, third string
	courierAlias          string
	ownerShipment         []byte
}

func shippingAttackSetup(t *testing.T) *shippingAttack {
	t.Helper()
	f, helper, shipped, other := shippingSetup(t)
	p := &shippingAttack{f: f, helper: helper, shipped: shipped, other: other}
	v := f.open(t)
	p.third = mustAdd(t, v, sampleCustomer(3))
	if _, err := v.SetHold(other, f.clock.t.AddDate(1, 0, 0), "dispute"); err != nil {
		t.Fatal(err)
	}
	s, err := v.Ship(other, "ups", "", f.clock.t)
	if err != nil {
		t.Fatal(err)
	}
	if p.ownerShipment, err = hex.DecodeString(s.ID); err != nil {
		t.Fatal(err)
	}
	if p.courierAlias, err = v.IssueAlias(shipped, "dhl", "", nil); err != nil {
		t.Fatal(err)
	}
	must(t, v.Close())
	shipAsHelper(t, f, helper, shipped)
	return p
}

// attack runs edit in a transaction of the helper's modified client, then
// signs a head over the result with the helper's key; edit may change
// the head too (what it lists).
func (p *shippingAttack) attack(t *testing.T, edit func(tx *bolt.Tx, h *headBody)) {
	t.Helper()
	key, tg := helperKeys(t, p.f, p.helper)
	p.f.tamper(t, func(tx *bolt.Tx) error {
		_, prev, err := decodeHead(tx.Bucket(bMeta).Get(mHead))
		if err != nil {
			t.Fatal(err)
		}
		h := *prev
		edit(tx, &h)
		h.Counter++
		h.Buckets = &bucketSums{State: prev.Buckets.State, Buckets: sumBuckets(tx, tg)}
		h.bindMeta(tx)
		body, _ := json.Marshal(h)
		must(t, tx.Bucket(bMeta).Put(mHead, crypto.EncodeSigned(key, crypto.DomainHead, body)))
		return nil
	})
}

// ownerWriteRefused: the owner's open (exit 7) or their next write (exit
// 7, nothing written) refuses the helper's head, and check still fails.
func (p *shippingAttack) ownerWriteRefused(t *testing.T, what string, write func(v *Vault) error) {
	t.Helper()
	beforeHead, beforeAudit := fileState(t, p.f)
	v, err := Open(p.f.path, p.f.opts([]age.Identity{p.f.owner}))
	if err != nil {
		wantDataIntegrity(t, err, "owner open")
		return
	}
	err = write(v)
	must(t, v.Close())
	wantDataIntegrity(t, err, "owner "+what+" over the helper's head")
	afterHead, afterAudit := fileState(t, p.f)
	if !bytes.Equal(beforeHead, afterHead) || beforeAudit != afterAudit {
		t.Errorf("the refused write changed the file: head changed %v, audit entries %d -> %d", !bytes.Equal(beforeHead, afterHead), beforeAudit, afterAudit)
	}
	if _, err := checkOwner(t, p.f); err == nil {
		t.Error("check passes after the refused write")
	}
}

// recordKey is the record id of alias.
func recordKey(t *testing.T, tx *bolt.Tx, alias string) []byte {
	t.Helper()
	canon, err := crypto.ParseAlias(alias)
	if err != nil {
		t.Fatal(err)
	}
	e, err := decodeAlias(tx.Bucket(bAliases).Get([]byte(canon)))
	if err != nil {
		t.Fatal(err)
	}
	id, err := hex.DecodeString(e.Record)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Issue 13 (red-team, items 2 and 3): a shipping head may only add
// shipments, never change aliases, and a last shipment date it moves must
// be the date of a shipment it adds, not in the future.
func TestShippingHeadOnlyAddsShipments(t *testing.T) {
	cases := map[string]func(t *testing.T, p *shippingAttack, tx *bolt.Tx, h *headBody){
		"courier alias moved to another customer": func(t *testing.T, p *shippingAttack, tx *bolt.Tx, h *headBody) {
			canon, _ := crypto.ParseAlias(p.courierAlias)
			from, to := recordKey(t, tx, p.shipped), recordKey(t, tx, p.other)
			ab := tx.Bucket(bAliases)
			e, err := decodeAlias(ab.Get([]byte(canon)))
			if err != nil {
				t.Fatal(err)
			}
			e.Record = hex.EncodeToString(to)
			must(t, ab.Put([]byte(canon), encodeAlias(&e)))
			rb := tx.Bucket(bRecAliases)
			must(t, rb.Delete(append(bytes.Clone(from), canon...)))
			must(t, rb.Put(append(bytes.Clone(to), canon...), nil))
		},
		"owner's shipment deleted": func(t *testing.T, p *shippingAttack, tx *bolt.Tx, h *headBody) {
			must(t, tx.Bucket(bShipments).Delete(p.ownerShipment))
		},
		"owner's shipment re-pointed": func(t *testing.T, p *shippingAttack, tx *bolt.Tx, h *headBody) {
			sb := tx.Bucket(bShipments)
			var s shipment
			must(t, json.Unmarshal(sb.Get(p.ownerShipment), &s))
			s.Record, s.Alias = hex.EncodeToString(recordKey(t, tx, p.shipped)), ""
			data, _ := json.Marshal(s)
			must(t, sb.Put(p.ownerShipment, data))
		},
		"shipment inserted among the data head's": func(t *testing.T, p *shippingAttack, tx *bolt.Tx, h *headBody) {
			key := bytes.Clone(p.ownerShipment)
			key[len(key)-1] ^= 1
			data, _ := json.Marshal(shipment{Record: hex.EncodeToString(recordKey(t, tx, p.other)), Date: p.f.clock.t, Created: p.f.clock.t})
			must(t, tx.Bucket(bShipments).Put(key, data))
		},
		"last shipment in 2099 with no shipment": func(t *testing.T, p *shippingAttack, tx *bolt.Tx, h *headBody) {
			editRecord(t, tx, p.shipped, func(m *recordMeta) {
				future := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
				m.LastShipment = &future
			})
		},
		"last shipment in 2099 with a shipment of that date": func(t *testing.T, p *shippingAttack, tx *bolt.Tx, h *headBody) {
			future := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
			id := recordKey(t, tx, p.shipped)
			editRecord(t, tx, p.shipped, func(m *recordMeta) { m.LastShipment = &future })
			key := append(beBytes(uint64(future.UnixNano())), 1, 2, 3, 4)
			data, _ := json.Marshal(shipment{Record: hex.EncodeToString(id), Date: future, Created: p.f.clock.t})
			must(t, tx.Bucket(bShipments).Put(key, data))
		},
		"never-shipped customer's last shipment moved forward": func(t *testing.T, p *shippingAttack, tx *bolt.Tx, h *headBody) {
			id := recordKey(t, tx, p.third)
			old := metadataPart(tx.Bucket(bRecords).Get(id))
			h.Shipped = append(h.Shipped, shippedRecord{ID: hex.EncodeToString(id), Old: hex.EncodeToString(old)})
			editRecord(t, tx, p.third, func(m *recordMeta) {
				at := p.f.clock.t
				m.LastShipment = &at
			})
		},
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			p := shippingAttackSetup(t)
			p.attack(t, func(tx *bolt.Tx, h *headBody) { edit(t, p, tx, h) })
			p.ownerWriteRefused(t, "show", func(v *Vault) error {
				_, err := v.Show(p.third, nil)
				return err
			})
		})
	}
	// A shipping person adding a shipment and moving the date to it is
	// what ship does: the owner's write and check accept it.
	t.Run("shipment added with its date", func(t *testing.T) {
		p := shippingAttackSetup(t)
		p.attack(t, func(tx *bolt.Tx, h *headBody) {
			id := recordKey(t, tx, p.third)
			old := metadataPart(tx.Bucket(bRecords).Get(id))
			h.Shipped = append(h.Shipped, shippedRecord{ID: hex.EncodeToString(id), Old: hex.EncodeToString(old)})
			at := p.f.clock.t.Add(time.Minute)
			editRecord(t, tx, p.third, func(m *recordMeta) { m.LastShipment = &at })
			key := append(beBytes(uint64(at.UnixNano())), 1, 2, 3, 4)
			data, _ := json.Marshal(shipment{Record: hex.EncodeToString(id), Date: at, Created: at})
			must(t, tx.Bucket(bShipments).Put(key, data))
			// last_id as ship would have left it.
			must(t, tx.Bucket(bMeta).Put(mLastID, beBytes(uint64(at.UnixNano()))))
		})
		v := p.f.open(t)
		if _, err := v.Show(p.other, nil); err != nil {
			t.Fatal(err)
		}
		must(t, v.Close())
		if _, err := checkOwner(t, p.f); err != nil {
			t.Fatal(err)
		}
	})
}

// The common flow stays open: an owner's write after a helper's honest
// ships succeeds, and check passes.
func TestOwnerWriteAfterHonestShips(t *testing.T) {
	f, helper, a1, a2 := shippingSetup(t)
	shipAsHelper(t, f, helper, a2, a1)
	v := f.open(t)
	if _, err := v.Show(a2, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Add(sampleCustomer(3)); err != nil {
		t.Fatal(err)
	}
	must(t, v.Close())
	if _, err := checkOwner(t, f); err != nil {
		t.Fatal(err)
	}
}

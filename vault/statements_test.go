package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

func exampleRules(t testing.TB) *Rules {
	t.Helper()
	rs, err := ParseRules([]byte(ExampleRules))
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// purgeAsCron runs purge --apply as cron does: no identity, the purge key
// from the machine's config folder.
func purgeAsCron(t *testing.T, f *fixture, rs *Rules, batch int) (PurgeResult, error) {
	t.Helper()
	o := f.opts(nil)
	o.Purging, o.BatchSize = true, batch
	k, err := Open(f.path, o)
	if err != nil {
		return PurgeResult{}, err
	}
	defer func() { must(t, k.Close()) }()
	return k.Purge(rs)
}

// oldCustomer is a customer the example rules erase (inactive for years).
func oldCustomer(f *fixture, i int) NewCustomer {
	c := sampleCustomer(i)
	c.Created = f.clock.t.AddDate(-3, 0, 0)
	return c
}

// statementCount is how many statements wait in the file.
func statementCount(t *testing.T, f *fixture) int {
	t.Helper()
	db, err := bolt.Open(f.path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { must(t, db.Close()) }()
	n := 0
	must(t, db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bPurges); b != nil {
			n = b.Stats().KeyN
		}
		return nil
	}))
	return n
}

func wantCheckOK(t *testing.T, f *fixture, what string) {
	t.Helper()
	v := f.open(t)
	defer func() { must(t, v.Close()) }()
	if res, err := v.Check(false); err != nil || len(res.Hints) != 0 {
		t.Fatalf("%s: check: %+v %v", what, res, err)
	}
}

// Issue 13: every keyless change of a tagged entry is described by a
// statement the purge key signs; check verifies the file against the
// statements while they wait, and the next owner write verifies them and
// takes them in (docs/format.md, "Purge statements").
func TestPurgeStatementsAreVerifiedAndTakenIn(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	mustAdd(t, v, oldCustomer(f, 1))
	mustAdd(t, v, oldCustomer(f, 2))
	shipped := mustAdd(t, v, sampleCustomer(3))
	mustAdd(t, v, sampleCustomer(4))
	if _, err := v.Ship(shipped, "gig", "", f.clock.t.AddDate(0, -2, 0)); err != nil {
		t.Fatal(err)
	}
	must(t, v.Close())
	res, err := purgeAsCron(t, f, exampleRules(t), 1)
	if err != nil || res.Erased != 2 || res.Dropped != 1 {
		t.Fatalf("purge: %+v %v", res, err)
	}
	if n := statementCount(t, f); n != 3 {
		t.Fatalf("%d statements after a purge of three batches, want 3", n)
	}
	k := f.openKeyless(t)
	if k.head.Signer != purgeSigner || k.head.Stmts == nil || k.head.Stmts.Last != k.head.Counter {
		t.Fatalf("head after the purge: %+v", k.head)
	}
	if _, err := k.Check(true); err != nil {
		t.Fatalf("keyless check: %v", err)
	}
	if rep, err := k.AuditVerify(); err != nil || rep.Pending != 0 {
		t.Fatalf("audit verify: %+v %v", rep, err)
	}
	must(t, k.Close())
	wantCheckOK(t, f, "while the statements wait")
	v = f.open(t)
	mustAdd(t, v, sampleCustomer(5))
	if v.head.Stmts != nil || v.head.Buckets == nil {
		t.Fatalf("owner head after taking the statements in: %+v", v.head)
	}
	must(t, v.Close())
	if n := statementCount(t, f); n != 0 {
		t.Fatalf("%d statements left after the owner's write", n)
	}
	wantCheckOK(t, f, "after the owner's write")
	// A purge that finds nothing to do signs nothing and leaves no chain.
	if _, err := purgeAsCron(t, f, exampleRules(t), 0); err != nil {
		t.Fatal(err)
	}
	if n := statementCount(t, f); n != 0 {
		t.Fatalf("a purge with nothing to do wrote %d statements", n)
	}
}

// A shipping person's writes while statements wait add statements of their
// own (shipment dates, shipments), signed with their key; owner and check
// verify the whole chain.
func TestShippingWritesWhileStatementsWait(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	mustAdd(t, v, oldCustomer(f, 1))
	a2 := mustAdd(t, v, sampleCustomer(2))
	helper, _ := age.GenerateX25519Identity()
	if _, err := v.AddRecipient(helper.Recipient().String(), RoleShipping, "packing-desk"); err != nil {
		t.Fatal(err)
	}
	must(t, v.Close())
	if _, err := purgeAsCron(t, f, exampleRules(t), 0); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		h, err := Open(f.path, f.opts([]age.Identity{helper}))
		if err != nil {
			t.Fatal(err)
		}
		f.clock.t = f.clock.t.Add(time.Hour)
		if _, err := h.Ship(a2, "dhl", "", f.clock.t); err != nil {
			t.Fatalf("ship %d: %v", i, err)
		}
		if h.head.Stmts == nil || h.head.Stmts.Verified != h.head.Stmts.Last {
			t.Fatalf("shipping head while statements wait: %+v", h.head.Stmts)
		}
		must(t, h.Close())
	}
	if n := statementCount(t, f); n != 3 {
		t.Fatalf("%d statements, want the purge's and two shipments'", n)
	}
	wantCheckOK(t, f, "after the shipments")
	v = f.open(t)
	mustAdd(t, v, sampleCustomer(3))
	must(t, v.Close())
	wantCheckOK(t, f, "after the owner's write")
}

// appendLogEntry chains an unsigned access-log entry, as someone who can
// write the file (and knows the format) can.
func appendLogEntry(t *testing.T, tx *bolt.Tx, action string) {
	t.Helper()
	last, err := lastAudit(tx)
	if err != nil {
		t.Fatal(err)
	}
	e := AuditEntry{Seq: last.Seq + 1, Time: time.Date(2026, 11, 22, 11, 0, 0, 0, time.UTC), Actor: "cron", Action: action, Prev: last.Hash}
	e.Hash, _ = entryHash(e)
	if err := putJSON(tx.Bucket(bAudit), beBytes(e.Seq), e); err != nil {
		t.Fatal(err)
	}
}

// snapshotBucket copies a bucket's entries.
func snapshotBucket(t *testing.T, f *fixture, bucket []byte) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	db, err := bolt.Open(f.path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { must(t, db.Close()) }()
	must(t, db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
			out[string(k)] = bytes.Clone(v)
			return nil
		})
	}))
	return out
}

// snapshotIn copies a bucket's entries through an open vault.
func snapshotIn(t *testing.T, v *Vault, bucket []byte) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	must(t, v.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, val []byte) error {
			out[string(k)] = bytes.Clone(val)
			return nil
		})
	}))
	return out
}

// Issue 13, hole 1 (the keyless window): someone who can write the file
// changes customer entries and adds an unsigned keyless-write or purge
// log entry so the next person's write would re-sum. Every later open
// refuses (exit 7) before anything is written; and the same changes made
// while real statements wait fail the next person's write and check.
func TestKeylessWindowIsClosed(t *testing.T) {
	type setup struct {
		f                *fixture
		helper           []age.Identity
		a1, a2, forgot   string
		a1Before         []byte // a1's record before a ship changed it
		erasedID         []byte
		erasedRecord     []byte
		aliasA1, aliasA2 []byte
	}
	build := func(t *testing.T) *setup {
		s := &setup{f: newFixture(t)}
		f := s.f
		v := f.open(t)
		s.a1, s.a2 = mustAdd(t, v, sampleCustomer(1)), mustAdd(t, v, sampleCustomer(2))
		s.forgot = mustAdd(t, v, sampleCustomer(3))
		mustAdd(t, v, oldCustomer(f, 4))
		helper, _ := age.GenerateX25519Identity()
		if _, err := v.AddRecipient(helper.Recipient().String(), RoleShipping, "packing-desk"); err != nil {
			t.Fatal(err)
		}
		s.helper = []age.Identity{helper}
		recs := snapshotIn(t, v, bRecords)
		if _, err := v.Ship(s.a1, "dhl", "", f.clock.t); err != nil {
			t.Fatal(err)
		}
		for k, val := range recs {
			if m, _ := decodeMeta(val); m != nil && crypto.FormatAlias(m.Alias) == s.forgot {
				s.erasedID, s.erasedRecord = []byte(k), val
			}
			if m, _ := decodeMeta(val); m != nil && crypto.FormatAlias(m.Alias) == s.a1 {
				s.a1Before = val
				s.aliasA1 = []byte(m.Alias)
			}
			if m, _ := decodeMeta(val); m != nil && crypto.FormatAlias(m.Alias) == s.a2 {
				s.aliasA2 = []byte(m.Alias)
			}
		}
		if _, err := v.Forget(s.forgot); err != nil {
			t.Fatal(err)
		}
		must(t, v.Close())
		return s
	}
	attacks := map[string]func(t *testing.T, s *setup, tx *bolt.Tx){
		"a record rolled back": func(t *testing.T, s *setup, tx *bolt.Tx) {
			rb := tx.Bucket(bRecords)
			must(t, rb.ForEach(func(k, val []byte) error {
				if m, _ := decodeMeta(val); m != nil && bytes.Equal([]byte(m.Alias), s.aliasA1) {
					s.erasedID = bytes.Clone(k)
				}
				return nil
			}))
			if err := rb.Put(s.erasedID, s.a1Before); err != nil {
				t.Fatal(err)
			}
		},
		"an erased customer re-inserted, its tombstone deleted": func(t *testing.T, s *setup, tx *bolt.Tx) {
			if err := tx.Bucket(bTombstones).Delete(s.erasedID); err != nil {
				t.Fatal(err)
			}
			if err := tx.Bucket(bRecords).Put(s.erasedID, s.erasedRecord); err != nil {
				t.Fatal(err)
			}
		},
		"two alias links swapped": func(t *testing.T, s *setup, tx *bolt.Tx) {
			ab := tx.Bucket(bAliases)
			x, y := bytes.Clone(ab.Get(s.aliasA1)), bytes.Clone(ab.Get(s.aliasA2))
			must(t, ab.Put(s.aliasA1, y))
			must(t, ab.Put(s.aliasA2, x))
		},
	}
	for name, attack := range attacks {
		for _, action := range []string{actionKeylessWrite, "purge"} {
			t.Run(name+" with a fake "+action+" entry", func(t *testing.T) {
				s := build(t)
				s.f.tamper(t, func(tx *bolt.Tx) error {
					attack(t, s, tx)
					appendLogEntry(t, tx, action)
					return nil
				})
				before := mustRead(t, s.f.path)
				for who, ids := range map[string][]age.Identity{"owner": {s.f.owner}, "shipping helper": s.helper} {
					v, err := Open(s.f.path, s.f.opts(ids))
					if err == nil {
						_, err = v.Check(false)
						if err == nil {
							err = v.Unlock()
						}
						must(t, v.Close())
					}
					wantIntegrity(t, err, who+"'s open")
				}
				if after := mustRead(t, s.f.path); !bytes.Equal(before, after) {
					t.Fatal("the file changed")
				}
			})
		}
		t.Run(name+" while real statements wait", func(t *testing.T) {
			s := build(t)
			if _, err := purgeAsCron(t, s.f, exampleRules(t), 0); err != nil {
				t.Fatal(err)
			}
			s.f.tamper(t, func(tx *bolt.Tx) error { attack(t, s, tx); return nil })
			before := mustRead(t, s.f.path)
			h, err := Open(s.f.path, s.f.opts(s.helper))
			if err != nil {
				t.Fatal(err)
			}
			_, err = h.Ship(s.a2, "dhl", "", s.f.clock.t)
			must(t, h.Close())
			wantIntegrity(t, err, "the shipping helper's write")
			v := s.f.open(t)
			_, err = v.Add(sampleCustomer(9))
			wantIntegrity(t, err, "the owner's write")
			if err != nil && !strings.Contains(err.Error(), "purge") {
				t.Errorf("the owner's write does not name the purge: %v", err)
			}
			_, err = v.Check(false)
			wantIntegrity(t, err, "check")
			must(t, v.Close())
			if after := mustRead(t, s.f.path); !bytes.Equal(before, after) {
				t.Fatal("the file changed")
			}
		})
	}
}

// Issue 13, hole 2: metadata back-dated by someone without a key before
// cron's purge. Cron recounts the records sum with no key and refuses
// (exit 7) before erasing anyone, leaving the file as the attacker left
// it; the owner's check names the bucket. (A format-4 vault,
// whose records cron cannot recount, is caught after the purge instead:
// TestBackdatedBeforeKeylessPurgeOfFormat4.)
func TestBackdatedMetadataBeforeKeylessPurge(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	victim := mustAdd(t, v, sampleCustomer(1))
	mustAdd(t, v, sampleCustomer(2))
	must(t, v.Close())
	f.tamper(t, func(tx *bolt.Tx) error { backdate(t, tx, victim); return nil })
	before := mustRead(t, f.path)
	res, err := purgeAsCron(t, f, exampleRules(t), 0)
	wantIntegrity(t, err, "keyless purge")
	if res.Erased != 0 || !strings.Contains(err.Error(), "records bucket") || !strings.Contains(err.Error(), "back-dated") {
		t.Fatalf("purge: %+v %v", res, err)
	}
	if after := mustRead(t, f.path); !bytes.Equal(before, after) {
		t.Fatal("the refused purge changed the file")
	}
	v = f.open(t)
	defer func() { must(t, v.Close()) }()
	res2, err := v.Check(false)
	wantIntegrity(t, err, "check")
	if !namesProblem(res2, "records bucket") {
		t.Errorf("check does not name the records bucket: %+v", res2.Problems)
	}
}

// Statements deleted, altered, reordered or put back from an earlier run,
// or re-signed with the purge key over rules that do not justify them:
// exit 7 at the open, the next owner write or check.
func TestStatementTampering(t *testing.T) {
	setup := func(t *testing.T) (*fixture, map[string][]byte) {
		f := newFixture(t)
		v := f.open(t)
		mustAdd(t, v, oldCustomer(f, 1))
		must(t, v.Close())
		if _, err := purgeAsCron(t, f, exampleRules(t), 0); err != nil {
			t.Fatal(err)
		}
		earlier := snapshotBucket(t, f, bPurges)
		v = f.open(t)
		mustAdd(t, v, sampleCustomer(2)) // takes the first run's statements in
		for i := 3; i <= 5; i++ {
			mustAdd(t, v, oldCustomer(f, i))
		}
		must(t, v.Close())
		if _, err := purgeAsCron(t, f, exampleRules(t), 1); err != nil {
			t.Fatal(err)
		}
		return f, earlier
	}
	keyed := func(t *testing.T, b *bolt.Bucket) [][]byte {
		t.Helper()
		var ks [][]byte
		must(t, b.ForEach(func(k, _ []byte) error { ks = append(ks, bytes.Clone(k)); return nil }))
		return ks
	}
	attacks := map[string]func(t *testing.T, f *fixture, earlier map[string][]byte, tx *bolt.Tx){
		"the first deleted": func(t *testing.T, _ *fixture, _ map[string][]byte, tx *bolt.Tx) {
			b := tx.Bucket(bPurges)
			must(t, b.Delete(keyed(t, b)[0]))
		},
		"a middle one deleted": func(t *testing.T, _ *fixture, _ map[string][]byte, tx *bolt.Tx) {
			b := tx.Bucket(bPurges)
			must(t, b.Delete(keyed(t, b)[1]))
		},
		"the last deleted": func(t *testing.T, _ *fixture, _ map[string][]byte, tx *bolt.Tx) {
			b := tx.Bucket(bPurges)
			ks := keyed(t, b)
			must(t, b.Delete(ks[len(ks)-1]))
		},
		"one altered": func(t *testing.T, _ *fixture, _ map[string][]byte, tx *bolt.Tx) {
			b := tx.Bucket(bPurges)
			k := keyed(t, b)[1]
			val := bytes.Clone(b.Get(k))
			val[len(val)-3] ^= 1
			must(t, b.Put(k, val))
		},
		"two reordered": func(t *testing.T, _ *fixture, _ map[string][]byte, tx *bolt.Tx) {
			b := tx.Bucket(bPurges)
			ks := keyed(t, b)
			x, y := bytes.Clone(b.Get(ks[0])), bytes.Clone(b.Get(ks[1]))
			must(t, b.Put(ks[0], y))
			must(t, b.Put(ks[1], x))
		},
		"an earlier run's put back": func(t *testing.T, _ *fixture, earlier map[string][]byte, tx *bolt.Tx) {
			b := tx.Bucket(bPurges)
			for k, val := range earlier {
				must(t, b.Put([]byte(k), val))
			}
		},
		"an earlier run's replayed in place of one": func(t *testing.T, _ *fixture, earlier map[string][]byte, tx *bolt.Tx) {
			b := tx.Bucket(bPurges)
			for _, val := range earlier {
				must(t, b.Put(keyed(t, b)[1], val))
			}
		},
		"re-signed with the purge key over other rules": func(t *testing.T, f *fixture, _ map[string][]byte, tx *bolt.Tx) {
			key := f.purgeKey
			b := tx.Bucket(bPurges)
			prev := ""
			var last []byte
			for _, k := range keyed(t, b) {
				_, body, _ := crypto.OpenSigned(crypto.DomainPurge, b.Get(k))
				s, err := decodeStatement(body)
				if err != nil {
					t.Fatal(err)
				}
				s.Prev = prev
				strict, _ := ParseRules([]byte("[[rule]]\nname = \"x\"\nwhen = \"created\"\nolder_than = \"9y\"\naction = \"erase\"\n"))
				s.Rules = newAppliedRules(strict)
				nb, _ := json.Marshal(s)
				last = crypto.EncodeSigned(key, crypto.DomainPurge, nb)
				must(t, b.Put(k, last))
				prev = sha256Hex(last)
			}
			_, hb, _ := crypto.OpenSigned(crypto.DomainHead, tx.Bucket(bMeta).Get(mHead))
			var h headBody
			must(t, json.Unmarshal(hb, &h))
			h.Stmts.Hash = sha256Hex(last)
			h.Counter++ // past this machine's rollback witness
			nb, _ := json.Marshal(h)
			must(t, tx.Bucket(bMeta).Put(mHead, crypto.EncodeSigned(key, crypto.DomainHead, nb)))
		},
	}
	for name, attack := range attacks {
		t.Run(name, func(t *testing.T) {
			f, earlier := setup(t)
			f.purgeKey = purgeKeyOf(t, f)
			f.tamper(t, func(tx *bolt.Tx) error { attack(t, f, earlier, tx); return nil })
			before := mustRead(t, f.path)
			// Keyless check and audit verify see it too (signatures,
			// links and justification need no key).
			if k, err := Open(f.path, f.opts(nil)); err == nil {
				_, cerr := k.Check(true)
				wantIntegrity(t, cerr, "keyless check")
				_, aerr := k.AuditVerify()
				wantIntegrity(t, aerr, "keyless audit verify")
				must(t, k.Close())
			} else {
				wantIntegrity(t, err, "keyless open")
			}
			v, err := Open(f.path, f.opts([]age.Identity{f.owner}))
			if err == nil {
				_, cerr := v.Check(false)
				wantIntegrity(t, cerr, "check")
				_, err = v.Add(sampleCustomer(9))
				must(t, v.Close())
			}
			wantIntegrity(t, err, "the owner's open or write")
			if name == "re-signed with the purge key over other rules" && !strings.Contains(err.Error(), "do not justify") {
				t.Errorf("the refusal does not say the rules do not justify the purge: %v", err)
			}
			if after := mustRead(t, f.path); !bytes.Equal(before, after) {
				t.Fatal("the file changed")
			}
		})
	}
}

// purgeKeyOf is the purge key a fixture's machine holds.
func purgeKeyOf(t *testing.T, f *fixture) []byte {
	t.Helper()
	k := f.openKeyless(t)
	defer func() { must(t, k.Close()) }()
	key, err := k.loadPurgeKey(k.policy.body.PurgeKey)
	if err != nil || key == nil {
		t.Fatalf("purge key: %v", err)
	}
	return bytes.Clone(key)
}

// Without the purge key (missing, or not the one the policy names) keyless
// purge refuses before anything changes (exit 3); an owner's purge-key
// issues a new one, and the old one signs nothing.
func TestPurgeWithoutThePurgeKey(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	mustAdd(t, v, oldCustomer(f, 1))
	mustAdd(t, v, oldCustomer(f, 2))
	must(t, v.Close())
	keyFile, _ := filepath.Glob(filepath.Join(f.state, "purge-*.key"))
	if len(keyFile) != 1 {
		t.Fatalf("purge key files: %v", keyFile)
	}
	saved := mustRead(t, keyFile[0])
	must(t, os.Remove(keyFile[0]))
	before := mustRead(t, f.path)
	_, err := purgeAsCron(t, f, exampleRules(t), 0)
	var te *TrustError
	if !errors.As(err, &te) || te.Reason != TrustNoPurgeKey || !strings.Contains(te.What, keyFile[0]) {
		t.Fatalf("purge without the key: %v, want a TrustError (exit 3) naming the file", err)
	}
	if after := mustRead(t, f.path); !bytes.Equal(before, after) {
		t.Fatal("a refused purge changed the file")
	}
	v = f.open(t)
	if _, err := v.NewPurgeKey(); err != nil {
		t.Fatal(err)
	}
	must(t, v.Close())
	if res, err := purgeAsCron(t, f, exampleRules(t), 1); err != nil || res.Erased != 2 {
		t.Fatalf("purge with the new key: %+v %v", res, err)
	}
	v = f.open(t)
	mustAdd(t, v, oldCustomer(f, 3))
	must(t, v.Close())
	must(t, os.WriteFile(keyFile[0], saved, 0o600))
	if _, err := purgeAsCron(t, f, exampleRules(t), 1); !errors.As(err, &te) {
		t.Fatalf("purge with the old key: %v, want a TrustError", err)
	}
	// A helper may not issue one.
	v = f.open(t)
	helper, _ := age.GenerateX25519Identity()
	if _, err := v.AddRecipient(helper.Recipient().String(), RoleSupport, "desk"); err != nil {
		t.Fatal(err)
	}
	must(t, v.Close())
	h, err := Open(f.path, f.opts([]age.Identity{helper}))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { must(t, h.Close()) }()
	if _, err := h.NewPurgeKey(); err == nil {
		t.Fatal("a support person issued a purge key")
	}
}

// testdata/format3-purge was written by the shopvault of 2026-11-23 before
// purge statements (synthetic data, a test identity): an owner, two
// customers, one of them erased by a keyless purge that its purge key
// signed without a statement. The owner's next write re-sums once (as that
// version would have); cron waits for it, then signs statements.
func TestOpensVaultPurgedBeforeStatements(t *testing.T) {
	f, ids := committedFixture(t, "testdata/format3-purge")
	keys, _ := filepath.Glob("testdata/format3-purge/purge-*.key")
	for _, k := range keys {
		data := mustRead(t, k)
		must(t, os.WriteFile(filepath.Join(f.state, filepath.Base(k)), data, 0o600))
	}
	var te *TrustError
	if _, err := purgeAsCron(t, f, exampleRules(t), 0); !errors.As(err, &te) {
		t.Fatalf("cron on the old purge head: %v, want a TrustError", err)
	}
	ro := f.opts(ids("owner.txt"))
	ro.ReadOnly = true
	o, err := Open(f.path, ro)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := o.Check(false); err != nil || len(res.Hints) != 1 {
		t.Fatalf("check before the owner's write: %+v %v", res, err)
	}
	must(t, o.Close())
	// The owner's writable open upgrades the sums to format 4: after the
	// unsigned keyless purge it cannot compare the 128-bit ones first, and
	// its log entry says so.
	o, err = Open(f.path, f.opts(ids("owner.txt")))
	if err != nil {
		t.Fatal(err)
	}
	if log, err := o.AuditList(AuditFilter{}); err != nil || log[len(log)-1].Action != "upgrade" || !strings.Contains(log[len(log)-1].Detail, "could not be compared") {
		t.Fatalf("the upgrade after a keyless purge: %v %v", log[len(log)-1], err)
	}
	old := sampleCustomer(7)
	old.Created = time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	mustAdd(t, o, old)
	if res, err := o.Check(false); err != nil || len(res.Hints) != 0 || res.Records != 2 {
		t.Fatalf("check after the owner's write: %+v %v", res, err)
	}
	must(t, o.Close())
	if res, err := purgeAsCron(t, f, exampleRules(t), 0); err != nil || res.Erased != 1 {
		t.Fatalf("purge after the owner's write: %+v %v", res, err)
	}
	o, err = Open(f.path, f.opts(ids("owner.txt")))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { must(t, o.Close()) }()
	if res, err := o.Check(false); err != nil || len(res.Hints) != 0 || res.Records != 1 {
		t.Fatalf("check with statements: %+v %v", res, err)
	}
}

// A shipping person who back-dates a record and re-signs their own head
// just before cron's purge: cron compares that head's records with the
// data head's before it starts from it (the records' elements need no
// key in format 5) and refuses, exit 7 naming the shipping person, with
// nothing erased; the owner's next write and check exit 7 too.
func TestDoctoredShippingHeadBeforePurge(t *testing.T) {
	f, helper, _, a2 := shippingSetup(t)
	key, tg := helperKeys(t, f, helper)
	f.tamper(t, func(tx *bolt.Tx) error {
		backdate(t, tx, a2)
		resignAsHelper(t, tx, key, tg)
		return nil
	})
	before, _ := os.ReadFile(f.path)
	res, err := purgeAsCron(t, f, exampleRules(t), 0)
	wantDataIntegrity(t, err, "cron's purge")
	if res.Erased != 0 {
		t.Fatalf("cron erased %d from a doctored shipping head", res.Erased)
	}
	if after, _ := os.ReadFile(f.path); !bytes.Equal(before, after) {
		t.Fatal("the refused purge changed the file")
	}
	v := f.open(t)
	defer func() { must(t, v.Close()) }()
	_, err = v.Add(sampleCustomer(3))
	wantIntegrity(t, err, "the owner's write")
	if !strings.Contains(err.Error(), "shipping person") {
		t.Errorf("the refusal does not name the shipping person's head: %v", err)
	}
	_, err = v.Check(false)
	wantIntegrity(t, err, "check")
}

// The honest case of the above: a shipping person shipped, then cron's
// purge (years later) erased both customers, the shipped one included; the
// owner's write and check accept the chain.
func TestShippingBaseBeforePurge(t *testing.T) {
	f, _, _, _ := shippingSetup(t)
	f.clock.t = f.clock.t.AddDate(3, 0, 0)
	if res, err := purgeAsCron(t, f, exampleRules(t), 1); err != nil || res.Erased != 2 {
		t.Fatalf("purge: %+v %v", res, err)
	}
	wantCheckOK(t, f, "with statements from a shipping head")
	v := f.open(t)
	mustAdd(t, v, sampleCustomer(3))
	must(t, v.Close())
	wantCheckOK(t, f, "after the owner's write")
}

// The statement body is read from the file before anything trusts it:
// decoding and re-evaluating any body must not panic, and a body that
// justifies itself names only erasures its rules take.
func FuzzStatementJustify(f *testing.F) {
	rs := exampleRules(f)
	old := &recordMeta{Alias: "K7QMPTXRZ", Created: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), LastActivity: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), Fields: []string{"name", "phone"}}
	erase := statementBody{Signer: purgeSigner, Time: time.Date(2026, 11, 23, 2, 30, 0, 0, time.UTC), Rules: newAppliedRules(rs),
		Changes: []entryChange{{Bucket: "records", Key: bytes.Repeat([]byte{1}, idLen), Old: encodeMeta(old), OldSealed: make([]byte, 32)},
			{Bucket: "tombstones", Key: bytes.Repeat([]byte{1}, idLen), New: []byte(`{"erased":"2026-11-23T02:30:00Z","by":"rule:inactive customers"}`)}}}
	if err := erase.pack(); err != nil {
		f.Fatal(err)
	}
	body, _ := json.Marshal(erase)
	f.Add(body)
	f.Add([]byte(`{}`))
	other := statementBody{Signer: "someone", Changes: []entryChange{{Bucket: "shipments", New: []byte("{}")}, {Bucket: "records", Old: []byte{1}, New: []byte{1}}}}
	if err := other.pack(); err != nil {
		f.Fatal(err)
	}
	body, _ = json.Marshal(other)
	f.Add(body)
	f.Add([]byte(`{"signer":"purge","changes_deflate":"AAAA"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := decodeStatement(data)
		if err != nil {
			return
		}
		st := statement{body: s}
		if st.justified() != nil || s.Signer != purgeSigner {
			return
		}
		rules, ok := s.parsedRules()
		if !ok {
			t.Fatal("a justified purge statement has rules that do not parse")
		}
		for _, c := range s.Changes {
			if c.Bucket == "records" && c.New == nil {
				if _, ok := justifiedRecord(rules, s.Time, c); !ok {
					t.Fatalf("an erasure its rules do not take was accepted: %s", data)
				}
			}
		}
	})
}

// An owner can name the approved retention rules in the signed policy:
// purges under other rules still run (cron is not blocked), and check
// reports them while their statements wait, and the owner's next write
// logs them when it takes them in. The approval is the owner's alone and
// is verified like the rest of the policy.
func TestUnapprovedRulesAreReported(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	mustAdd(t, v, oldCustomer(f, 1))
	mustAdd(t, v, sampleCustomer(2))
	if _, err := v.ApproveRules(exampleRules(t)); err != nil {
		t.Fatal(err)
	}
	must(t, v.Close())
	strict, err := ParseRules([]byte("[[rule]]\nname = \"all\"\nwhen = \"created\"\nolder_than = \"1d\"\naction = \"erase\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	f.clock.t = f.clock.t.AddDate(0, 0, 2)
	if res, err := purgeAsCron(t, f, strict, 0); err != nil || res.Erased != 2 {
		t.Fatalf("purge under other rules: %+v %v", res, err)
	}
	v = f.open(t)
	res, err := v.Check(false)
	if err != nil || len(res.Hints) != 1 || !strings.Contains(res.Hints[0], "not approved") || !strings.Contains(res.Hints[0], "2 customers erased") {
		t.Fatalf("check after a purge under other rules: %+v %v", res, err)
	}
	mustAdd(t, v, oldCustomer(f, 3))
	log, err := v.AuditList(AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if e := log[len(log)-2]; e.Action != "purge rules not approved" || e.Count != 2 {
		t.Fatalf("the owner's write did not log the unapproved purge: %+v", log[len(log)-3:])
	}
	if res, err := v.Check(false); err != nil || len(res.Hints) != 0 {
		t.Fatalf("check after the owner's write: %+v %v", res, err)
	}
	helper, _ := age.GenerateX25519Identity()
	if _, err := v.AddRecipient(helper.Recipient().String(), RoleSupport, "desk"); err != nil {
		t.Fatal(err)
	}
	must(t, v.Close())
	if res, err := purgeAsCron(t, f, exampleRules(t), 0); err != nil || res.Erased != 1 {
		t.Fatalf("purge under the approved rules: %+v %v", res, err)
	}
	wantCheckOK(t, f, "after a purge under the approved rules")
	h, err := Open(f.path, f.opts([]age.Identity{helper}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.ApproveRules(strict); err == nil {
		t.Error("a support person approved rules")
	}
	must(t, h.Close())
	f.tamper(t, func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put(mRulesHash, []byte(RulesHash(strict))) })
	_, err = Open(f.path, f.opts(nil))
	wantIntegrity(t, err, "open after the approved rules were changed from outside")
}

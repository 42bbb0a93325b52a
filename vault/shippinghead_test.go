package vault

import (
	"bytes"
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
				f, helper, shipped, other := shippingSetup(t)
				v := f.open(t)
				third := mustAdd(t, v, sampleCustomer(3))
				if _, err := v.SetHold(other, f.clock.t.AddDate(1, 0, 0), "dispute"); err != nil {
					t.Fatal(err)
				}
				must(t, v.Close())
				h, err := Open(f.path, f.opts([]age.Identity{helper}))
				if err != nil {
					t.Fatal(err)
				}
				f.clock.t = f.clock.t.Add(time.Hour)
				if _, err := h.Ship(shipped, "dhl", "", f.clock.t); err != nil {
					t.Fatal(err)
				}
				must(t, h.Close())

				key, tg := helperKeys(t, f, helper)
				f.tamper(t, func(tx *bolt.Tx) error {
					edit(t, tx, shipped, other)
					resignAsHelper(t, tx, key, tg)
					return nil
				})
				beforeHead, beforeAudit := fileState(t, f)
				v, err = Open(f.path, f.opts([]age.Identity{f.owner}))
				if err != nil {
					// Caught even earlier: fine, as long as it is exit 7.
					wantDataIntegrity(t, err, "owner open")
					return
				}
				err = write(v, third)
				must(t, v.Close())
				wantDataIntegrity(t, err, "owner "+wname+" over the helper's head")
				afterHead, afterAudit := fileState(t, f)
				if !bytes.Equal(beforeHead, afterHead) || beforeAudit != afterAudit {
					t.Errorf("the refused write changed the file: head changed %v, audit entries %d -> %d", !bytes.Equal(beforeHead, afterHead), beforeAudit, afterAudit)
				}
				if _, err := checkOwner(t, f); err == nil {
					t.Error("check passes after the refused write")
				}
			})
		}
	}
}

// The common flow stays open: an owner's write after a helper's honest
// ships succeeds, and check passes.
func TestOwnerWriteAfterHonestShips(t *testing.T) {
	f, helper, a1, a2 := shippingSetup(t)
	h, err := Open(f.path, f.opts([]age.Identity{helper}))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{a2, a1} {
		f.clock.t = f.clock.t.Add(time.Hour)
		if _, err := h.Ship(a, "dhl", "", f.clock.t); err != nil {
			t.Fatal(err)
		}
	}
	must(t, h.Close())
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

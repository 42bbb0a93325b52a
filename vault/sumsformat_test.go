package vault

import (
	"bytes"
	"crypto/ed25519"
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

// rawFormat reads meta/format and the width of the head's sums straight
// from the file.
func rawFormat(t *testing.T, f *fixture) (format string, sumBytes int) {
	t.Helper()
	db, err := bolt.Open(f.path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { must(t, db.Close()) }()
	must(t, db.View(func(tx *bolt.Tx) error {
		format = string(tx.Bucket(bMeta).Get(mFormat))
		_, h, err := decodeHead(tx.Bucket(bMeta).Get(mHead))
		if err != nil {
			t.Fatal(err)
		}
		if s, ok := h.Buckets.Buckets["records"]; ok {
			sumBytes = len(s.Sum.Bytes())
			if s.legacy {
				sumBytes = crypto.LegacyTagSize
			}
		}
		return nil
	}))
	return format, sumBytes
}

// helperOpts are a helper's options on this machine, which pins the
// fixture's owner as the helper's own machine would have (trust add).
func helperOpts(t *testing.T, f *fixture, ids func(string) []age.Identity, name string) Options {
	t.Helper()
	key, err := crypto.IdentitySigningKey(ids("owner.txt")[0])
	if err != nil {
		t.Fatal(err)
	}
	o := f.opts(ids(name))
	o.PinOwner = crypto.Fingerprint(key.Public().(ed25519.PublicKey))
	return o
}

// Issue 13 (entry sums): a format-3 vault written by the main of
// 2026-11-23 is read as it is by a helper, whose changes to tagged
// entries wait for the owner (exit 3); the owner's first open verifies its
// 128-bit sums, moves it to format 4 with 4096-bit sums and logs it; then
// the helper ships again and everything checks.
func TestUpgradeFromFormat3Sums(t *testing.T) {
	f, ids := committedFixture(t, "testdata/format3")
	s, err := Open(f.path, helperOpts(t, f, ids, "shipping.txt"))
	if err != nil {
		t.Fatalf("shipping open of format 3: %v", err)
	}
	if c, err := s.Show("Z8EJ-0C25-F", []string{"city"}); err != nil || c.Fields["city"] != "Nairobi" {
		t.Errorf("shipping show before the upgrade: %+v %v", c, err)
	}
	if res, err := s.Check(true); err != nil || len(res.Problems) != 0 {
		t.Errorf("shipping check --metadata: %+v %v", res, err)
	}
	var te *TrustError
	if _, err := s.Ship("Z8EJ-0C25-F", "dhl", "", f.clock.t); !errors.As(err, &te) || te.Reason != TrustNotUpgraded {
		t.Errorf("shipping ship before the upgrade: %v, want a TrustError asking for the owner (exit 3)", err)
	}
	must(t, s.Close())
	ro := f.opts(ids("owner.txt"))
	ro.ReadOnly = true
	r, err := Open(f.path, ro)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := r.Check(false); err != nil || len(res.Problems) != 0 || len(res.Hints) != 0 {
		t.Errorf("a read-only owner check verifies the 128-bit sums: %+v %v", res, err)
	}
	must(t, r.Close())
	if format, width := rawFormat(t, f); format != format3 || width != crypto.LegacyTagSize {
		t.Fatalf("before the owner's writable open: format %q, %d-byte sums", format, width)
	}

	o, err := Open(f.path, f.opts(ids("owner.txt")))
	if err != nil {
		t.Fatalf("owner open: %v", err)
	}
	log, err := o.AuditList(AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if last := log[len(log)-1]; last.Action != "upgrade" || last.Actor != "owner" || !strings.Contains(last.Detail, "128-bit sums verified") {
		t.Errorf("the upgrade's log entry: %+v", last)
	}
	if res, err := o.Check(false); err != nil || len(res.Hints) != 0 {
		t.Fatalf("check after the upgrade: %+v %v", res, err)
	}
	must(t, o.Close())
	if format, width := rawFormat(t, f); format != FormatVersion || width != crypto.TagSumSize {
		t.Fatalf("after the owner's open: format %q, %d-byte sums", format, width)
	}

	s, err = Open(f.path, f.opts(ids("shipping.txt")))
	if err != nil {
		t.Fatal(err)
	}
	f.clock.t = f.clock.t.Add(time.Hour)
	if _, err := s.Ship("Z8EJ-0C25-F", "dhl", "", f.clock.t); err != nil {
		t.Fatalf("shipping ship after the upgrade: %v", err)
	}
	must(t, s.Close())
	o, err = Open(f.path, f.opts(ids("owner.txt")))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { must(t, o.Close()) }()
	if res, err := o.Check(false); err != nil || len(res.Hints) != 0 {
		t.Fatalf("owner check after the helper's ship: %+v %v", res, err)
	}
}

// A change made from outside to a format-3 vault before its upgrade is
// caught by the upgrade's scan of the 128-bit sums (exit 7), and the
// vault stays format 3, unchanged.
func TestFormat3UpgradeCatchesEarlierChanges(t *testing.T) {
	tests := []struct {
		name string
		edit func(t *testing.T, tx *bolt.Tx)
	}{
		{"a record back-dated", func(t *testing.T, tx *bolt.Tx) { backdate(t, tx, "Z8EJ-0C25-F") }},
		{"a shipment deleted", func(t *testing.T, tx *bolt.Tx) {
			k, _ := tx.Bucket(bShipments).Cursor().First()
			if err := tx.Bucket(bShipments).Delete(k); err != nil {
				t.Fatal(err)
			}
		}},
		{"an alias entry changed", func(t *testing.T, tx *bolt.Tx) {
			k, v := tx.Bucket(bAliases).Cursor().First()
			if err := tx.Bucket(bAliases).Put(bytes.Clone(k), append(bytes.Clone(v), ' ')); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, ids := committedFixture(t, "testdata/format3")
			f.tamper(t, func(tx *bolt.Tx) error { tc.edit(t, tx); return nil })
			v, err := Open(f.path, f.opts(ids("owner.txt")))
			if err == nil {
				must(t, v.Close())
			}
			wantIntegrity(t, err, tc.name)
			if !strings.Contains(err.Error(), "upgrading") {
				t.Errorf("%v does not say the upgrade found it", err)
			}
			if format, width := rawFormat(t, f); format != format3 || width != crypto.LegacyTagSize {
				t.Errorf("after the refused upgrade: format %q, %d-byte sums", format, width)
			}
		})
	}
}

// The format entry is not signed, the heads are: a format-4 vault marked
// format 3 (so that the next upgrade would accept 128-bit sums) and a
// format-3 vault marked format 4 are refused at every open (exit 7).
func TestFormatEntryMustMatchHeadSums(t *testing.T) {
	t.Run("format 4 marked 3", func(t *testing.T) {
		f := newFixture(t)
		v := f.open(t)
		mustAdd(t, v, sampleCustomer(1))
		must(t, v.Close())
		f.tamper(t, func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put(mFormat, []byte(format3)) })
		for _, ids := range [][]age.Identity{{f.owner}, nil} {
			v, err := Open(f.path, f.opts(ids))
			if err == nil {
				must(t, v.Close())
			}
			wantIntegrity(t, err, "format entry put back to 3")
		}
	})
	t.Run("format 3 marked 4", func(t *testing.T) {
		f, ids := committedFixture(t, "testdata/format3")
		f.tamper(t, func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put(mFormat, []byte(FormatVersion)) })
		for _, id := range []string{"owner.txt", "shipping.txt"} {
			v, err := Open(f.path, helperOpts(t, f, ids, id))
			if err == nil {
				must(t, v.Close())
			}
			wantIntegrity(t, err, "format entry moved on to 4 by hand")
		}
	})
}

// ageBackup is a vault file encrypted to an identity's recipient, as
// shopvault backup writes it.
func ageBackup(t *testing.T, path string, to age.Identity) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, to.(*age.X25519Identity).Recipient())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A backup made by a format-3 shopvault restores: onto a new file and in
// place over the upgraded vault, its 128-bit sums verified first and
// upgraded in the copy before the restore writes to it.
func TestRestoreFormat3Backup(t *testing.T) {
	f, ids := committedFixture(t, "testdata/format3")
	owner := ids("owner.txt")
	backup := ageBackup(t, f.path, owner[0])

	// Onto a new file on another machine (its own state directory).
	g := &fixture{path: filepath.Join(t.TempDir(), "fresh.db"), state: t.TempDir(), clock: f.clock, rand: f.rand}
	fresh := g.path
	if err := RestoreFresh(fresh, bytes.NewReader(backup), g.opts(owner)); err != nil {
		t.Fatalf("restore onto a new file: %v", err)
	}
	v, err := Open(fresh, g.opts(owner))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := v.Check(false); err != nil || len(res.Hints) != 0 {
		t.Fatalf("check of the restored copy: %+v %v", res, err)
	}
	must(t, v.Close())
	if format, width := rawFormat(t, g); format != FormatVersion || width != crypto.TagSumSize {
		t.Errorf("restored onto a new file: format %q, %d-byte sums", format, width)
	}

	v, err = Open(f.path, f.opts(owner)) // upgrades the vault itself
	if err != nil {
		t.Fatal(err)
	}
	plan, err := v.PrepareRestore(bytes.NewReader(backup))
	if err != nil {
		t.Fatalf("prepare: %v", err)
	}
	if _, err := v.ApplyRestore(plan); err != nil {
		t.Fatalf("restore in place: %v", err)
	}
	if res, err := v.Check(false); err != nil || len(res.Hints) != 0 {
		t.Fatalf("check after restoring in place: %+v %v", res, err)
	}
	must(t, v.Close())
	if format, width := rawFormat(t, f); format != FormatVersion || width != crypto.TagSumSize {
		t.Errorf("restored in place: format %q, %d-byte sums", format, width)
	}
}

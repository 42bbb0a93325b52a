package vault

import (
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopvault/shopvault/crypto"
	bolt "go.etcd.io/bbolt"

	"filippo.io/age"
)

// testdata/format4 was written by the shopvault of 2026-11-23 (main
// d0afa4e, format 4: records keyed under the state key) with make.sh
// there: an owner, a shipping person, three customers (held, shipped,
// and one that cron's purge erased, whose statement still waits). The
// hold of P52B-XMXX-V ends before the fixture clock, so a purge now
// erases that customer.
const (
	format4Held    = "P52B-XMXX-V"
	format4Shipped = "3XMJ-FA7D-4"
)

// format4Fixture is the committed format-4 vault with its purge key on
// this machine, and cron's options: no identity, the owner pinned.
func format4Fixture(t *testing.T) (*fixture, func(string) []age.Identity, Options) {
	t.Helper()
	f, ids := committedFixture(t, "testdata/format4")
	keys, _ := filepath.Glob("testdata/format4/purge-*.key")
	for _, k := range keys {
		data, err := os.ReadFile(k)
		if err != nil {
			t.Fatal(err)
		}
		must(t, os.WriteFile(filepath.Join(f.state, filepath.Base(k)), data, 0o600))
	}
	key, err := crypto.IdentitySigningKey(ids("owner.txt")[0])
	if err != nil {
		t.Fatal(err)
	}
	cron := f.opts(nil)
	cron.Purging = true
	cron.PinOwner = crypto.Fingerprint(key.Public().(ed25519.PublicKey))
	return f, ids, cron
}

func purgeWith(t *testing.T, path string, o Options) (PurgeResult, bool, error) {
	t.Helper()
	k, err := Open(path, o)
	if err != nil {
		return PurgeResult{}, false, err
	}
	defer func() { must(t, k.Close()) }()
	verifiable, err := k.RecordsVerifiable()
	if err != nil {
		t.Fatal(err)
	}
	res, err := k.Purge(exampleRules(t))
	return res, verifiable, err
}

// Issue 13 item 2: a format-4 vault is verified under its keyed sums (the
// statements waiting included) and upgraded to format 5 at the owner's
// first writable open, with an upgrade log entry; from then on cron
// recounts its records and refuses metadata back-dated from outside.
func TestUpgradeFromFormat4Sums(t *testing.T) {
	f, ids, cron := format4Fixture(t)
	ro := f.opts(ids("owner.txt"))
	ro.ReadOnly = true
	r, err := Open(f.path, ro)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := r.Check(false); err != nil || len(res.Problems) != 0 {
		t.Fatalf("a read-only owner check of format 4: %+v %v", res, err)
	}
	must(t, r.Close())
	k, err := Open(f.path, cron)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := k.Check(true); err != nil || len(res.Problems) != 0 || len(res.Hints) != 1 || !strings.Contains(res.Hints[0], "not recounted") {
		t.Errorf("a keyless check of format 4 says it did not recount the records: %+v %v", res, err)
	}
	must(t, k.Close())
	if format, width := rawFormat(t, f); format != format4 || width != crypto.TagSumSize {
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
	if last := log[len(log)-1]; last.Action != "upgrade" || last.Actor != "owner" || !strings.Contains(last.Detail, "format-4 sums verified") {
		t.Errorf("the upgrade's log entry: %+v", last)
	}
	if res, err := o.Check(false); err != nil || len(res.Hints) != 0 || res.Records != 2 {
		t.Fatalf("check after the upgrade: %+v %v", res, err)
	}
	must(t, o.Close())
	if format, _ := rawFormat(t, f); format != FormatVersion {
		t.Fatalf("after the owner's open: format %q", format)
	}

	res, verifiable, err := purgeWith(t, f.path, cron)
	if err != nil || !verifiable || res.Erased != 1 {
		t.Fatalf("cron after the upgrade: %+v verifiable=%v %v", res, verifiable, err)
	}
	f.tamper(t, func(tx *bolt.Tx) error { backdate(t, tx, format4Shipped); return nil })
	res, _, err = purgeWith(t, f.path, cron)
	wantIntegrity(t, err, "cron after a back-dating")
	if res.Erased != 0 {
		t.Fatalf("cron erased %d after a back-dating", res.Erased)
	}
}

// Until an owner upgrades it, a format-4 vault keeps the after-the-fact
// path: cron (which says it cannot verify) erases a back-dated customer,
// and the owner's next open, whose upgrade verifies the keyed sums
// first, exits 7 naming the purge runs and writes nothing.
func TestBackdatedBeforeKeylessPurgeOfFormat4(t *testing.T) {
	f, ids, cron := format4Fixture(t)
	f.tamper(t, func(tx *bolt.Tx) error { backdate(t, tx, format4Shipped); return nil })
	res, verifiable, err := purgeWith(t, f.path, cron)
	if err != nil || verifiable || res.Erased != 2 {
		t.Fatalf("cron on format 4: %+v verifiable=%v %v, want 2 erased, not verifiable", res, verifiable, err)
	}
	before := mustRead(t, f.path)
	_, err = Open(f.path, f.opts(ids("owner.txt")))
	wantIntegrity(t, err, "the owner's upgrade")
	if !strings.Contains(err.Error(), "purge statement") || !strings.Contains(err.Error(), "3 customers erased") || !strings.Contains(err.Error(), "nothing was changed") {
		t.Errorf("the refusal does not name the purge runs: %v", err)
	}
	if after := mustRead(t, f.path); string(before) != string(after) {
		t.Fatal("the refused upgrade changed the file")
	}
}

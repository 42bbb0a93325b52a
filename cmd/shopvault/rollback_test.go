package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/shopvault/shopvault/internal/vaultfixture"
)

// Issue 13 item 4, from outside: an older copy of the whole vault file put
// back is refused (exit 7, naming it) by every command on the machine that
// saw the newer state, for the owner and for cron; the owner then restores
// deliberately (in place, or onto a new file) and the vault opens again.
func TestWholeFileRollbackFromOutside(t *testing.T) {
	h := newCLIHarness(t)
	h.ok("", "init", "--identity-out", h.owner)
	a := h.alias(h.ok(h.owner, "add", "--name", "Ada Obi", "--city", "Lagos", "--country", "NG", "--json"))
	backup := filepath.Join(h.dir, "b.age")
	h.ok(h.owner, "backup", "-o", backup)
	old := mustRead(t, h.vault)
	h.ok(h.owner, "add", "--name", "Bo Bell", "--city", "Leeds", "--country", "GB")
	h.ok(h.owner, "forget", a, "--yes")

	if err := os.WriteFile(h.vault, old, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		identity string
		args     []string
	}{
		{h.owner, []string{"show", a}},
		{h.owner, []string{"check"}},
		{"", []string{"list", "--json"}},
		{"", []string{"purge", "--rules", h.rules, "--apply"}},
	} {
		code, out, errs := h.run(c.identity, c.args...)
		if code != exitIntegrity || !strings.Contains(errs, "older copy") || !strings.Contains(errs, "shopvault restore") {
			t.Fatalf("%v on a rolled-back file: exit %d %s %s", c.args, code, out, errs)
		}
		if strings.Contains(out+errs, "Ada") {
			t.Fatalf("%v printed customer data: %s %s", c.args, out, errs)
		}
	}
	if !equalBytes(old, mustRead(t, h.vault)) {
		t.Fatal("refused commands changed the rolled-back file")
	}

	// a deliberate restore over it: the vault opens again, newer than
	// anything this machine saw
	h.ok(h.owner, "restore", backup, "--yes")
	h.ok(h.owner, "check")
	h.ok("", "list", "--json")
	// the erasure made after the backup is not in the rolled-back file: it
	// cannot be kept, and restore says how many customers it holds
	h.ok(h.owner, "show", a)

	// a backup newer than the copy put back restores over it too, keeping
	// its longer access log
	newer := filepath.Join(h.dir, "newer.age")
	h.ok(h.owner, "add", "--name", "Di Later", "--city", "Hull", "--country", "GB")
	h.ok(h.owner, "backup", "-o", newer)
	before := auditActions(t, h)
	if err := os.WriteFile(h.vault, old, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := h.run(h.owner, "list", "--json"); code != exitIntegrity {
		t.Fatalf("the second put-back copy opened: exit %d", code)
	}
	h.ok(h.owner, "restore", newer, "--yes")
	after := auditActions(t, h)
	// the backup holds every entry but its own "backup" entry, written
	// after the snapshot
	inBackup := before[:len(before)-1]
	if len(after) <= len(inBackup) {
		t.Fatalf("restoring the newer backup over an older copy lost log entries: %d in the backup, %d after", len(inBackup), len(after))
	}
	for i, e := range inBackup {
		if after[i]["hash"] != e["hash"] {
			t.Fatalf("log entry %d differs after the restore", i+1)
		}
	}
	if after[len(inBackup)]["action"] != "restore" {
		t.Fatalf("entry after the backup's log is %v, want the restore", after[len(inBackup)])
	}
	h.ok(h.owner, "check")

	// onto a new file on the same machine: the restored copy is not taken
	// for a rollback either
	fresh := filepath.Join(h.dir, "fresh.db")
	code, _, errs := h.run(h.owner, "--vault", fresh, "restore", backup)
	if code != 0 {
		t.Fatalf("restore onto a new file: exit %d %s", code, errs)
	}
	if code, _, errs := h.run(h.owner, "--vault", fresh, "check"); code != 0 {
		t.Fatalf("check of the freshly restored file: exit %d %s", code, errs)
	}
}

func equalBytes(a, b []byte) bool { return string(a) == string(b) }

// Backups made before the upgrade to format 3 still restore, in place and
// onto a new file, on the machine that upgraded the vault: the restore
// upgrades the copy before it replaces anything, and its write counter
// continues past what this machine saw.
func TestFormat2BackupRestoresAfterUpgrade(t *testing.T) {
	h := newCLIHarness(t)
	fixture := filepath.Join("..", "..", "vault", "testdata", "format2")
	old, err := vaultfixture.Read(filepath.Join(fixture, "v.db.gz"))
	must(t, err)
	must(t, os.WriteFile(h.vault, old, 0o600))
	must(t, os.WriteFile(h.owner, mustRead(t, filepath.Join(fixture, "owner.txt")), 0o600))
	rcpt, err := age.ParseX25519Recipient(publicKeyOf(t, h.owner))
	if err != nil {
		t.Fatal(err)
	}
	var enc bytes.Buffer
	w, _ := age.Encrypt(&enc, rcpt)
	_, err = w.Write(old)
	must(t, err)
	must(t, w.Close())
	backup := filepath.Join(h.dir, "format2.age")
	must(t, os.WriteFile(backup, enc.Bytes(), 0o600))

	h.ok(h.owner, "add", "--name", "Cy New", "--city", "York", "--country", "GB") // upgrades, then writes
	h.ok(h.owner, "restore", backup, "--yes")
	h.ok(h.owner, "check")
	h.ok("", "list", "--json")
	fresh := filepath.Join(h.dir, "fresh.db")
	if code, _, errs := h.run(h.owner, "--vault", fresh, "restore", backup); code != 0 {
		t.Fatalf("fresh restore of a format-2 backup: exit %d %s", code, errs)
	}
	if code, _, errs := h.run(h.owner, "--vault", fresh, "check"); code != 0 {
		t.Fatalf("check after a fresh restore of a format-2 backup: exit %d %s", code, errs)
	}
}

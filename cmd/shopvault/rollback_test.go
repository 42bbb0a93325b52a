package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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

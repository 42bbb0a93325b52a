package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A write whose transaction committed but whose witness could not be saved
// must not claim that nothing changed: the customer is in the vault.
func TestWitnessFailureSaysTheChangeWasWritten(t *testing.T) {
	h := newCLIHarness(t)
	h.ok("", "init", "--identity-out", h.owner)
	h.ok(h.owner, "add", "--name", "Bo Bell", "--city", "Leeds", "--country", "GB")
	witnesses, err := filepath.Glob(filepath.Join(h.vars["XDG_STATE_HOME"], "shopvault", "trust", "*.witness2"))
	if err != nil || len(witnesses) != 1 {
		t.Fatalf("witness files: %v %v", witnesses, err)
	}
	// a link in place of the witness: read through, never written through
	real := witnesses[0] + ".real"
	must(t, os.Rename(witnesses[0], real))
	must(t, os.Symlink(real, witnesses[0]))

	code, out, errs := h.run(h.owner, "add", "--name", "Ada Obi", "--city", "Lagos", "--country", "NG", "--json")
	if code != exitOther || !strings.Contains(errs, "was written to the vault") || strings.Contains(errs, "nothing was changed") {
		t.Fatalf("add with an unwritable witness: exit %d, stderr %q", code, errs)
	}
	if strings.Contains(out+errs, "Ada") {
		t.Fatalf("customer data in the output: %s %s", out, errs)
	}
	must(t, os.Remove(witnesses[0]))
	must(t, os.Rename(real, witnesses[0]))
	if found := h.ok(h.owner, "find", "--name", "Ada Obi", "--json"); strings.Count(found, "\"alias\"") != 1 {
		t.Fatalf("the customer added is not in the vault: %s", found)
	}
}

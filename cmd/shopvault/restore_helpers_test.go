package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// onMachine runs fn with the harness's state directory set to a machine
// of its own (its trust file and rollback witness), then puts it back.
func (s *keyringScene) onMachine(state string, fn func()) {
	saved := s.vars["XDG_STATE_HOME"]
	s.vars["XDG_STATE_HOME"] = state
	defer func() { s.vars["XDG_STATE_HOME"] = saved }()
	fn()
}

// H2: a helper's machine that verified the vault before an owner's
// restore accepts the restored vault as a normal step forward (no second
// trust add), and still refuses a vault file put back from outside.
func TestHelperMachineAcceptsARestore(t *testing.T) {
	s := newKeyringScene(t)
	fp := strings.TrimSpace(s.ok("", "trust", "show"))
	helperMachine := filepath.Join(s.dir, "helper-machine")
	s.onMachine(helperMachine, func() {
		s.ok("", "trust", "add", fp)
		s.ok(s.helper, "label", s.customer, "--format", "text")
	})
	backup := filepath.Join(s.dir, "b.age")
	s.ok(s.owner, "backup", "-o", backup)
	s.ok(s.owner, "rotate", "--group", "shipping")
	s.onMachine(helperMachine, func() {
		s.ok(s.helper, "label", s.customer, "--format", "text")
	})
	beforeRestore, err := os.ReadFile(s.vault)
	must(t, err)
	s.ok(s.owner, "restore", backup, "--yes")
	s.onMachine(helperMachine, func() {
		if code, _, errs := s.run(s.helper, "label", s.customer, "--format", "text"); code != 0 {
			t.Fatalf("helper's label after the owner's restore: exit %d: %s", code, errs)
		}
		if out := s.ok(s.helper, "check", "--metadata-only"); !strings.Contains(out, "ok") {
			t.Fatalf("helper's check after the owner's restore: %q", out)
		}
		// the owner's machine goes on writing; the helper keeps up
		s.ok("", "list")
	})
	s.ok(s.owner, "edit", s.customer, "--line1", "2 Marina")
	s.onMachine(helperMachine, func() {
		s.ok(s.helper, "label", s.customer, "--format", "text")
	})
	// The vault as it was before the restore, put back from outside: a
	// rollback on the helper's machine, and on the owner's.
	must(t, os.WriteFile(s.vault, beforeRestore, 0o600))
	s.onMachine(helperMachine, func() {
		code, _, errs := s.run(s.helper, "label", s.customer, "--format", "text")
		if code != exitIntegrity || !strings.Contains(errs, "rolled back") {
			t.Fatalf("helper's label on the pre-restore file put back: exit %d %q, want 7: rolled back", code, errs)
		}
	})
	if code, _, errs := s.run(s.owner, "list"); code != exitIntegrity {
		t.Fatalf("owner's list on the pre-restore file put back: exit %d %q, want 7", code, errs)
	}
}

// Issue 15: a restore onto a new machine by an owner pins that owner there
// (they verified the chain with their own identity), and list with the
// owner's identity pins as other owner commands do, so the hint to run a
// command with the owner's identity does not loop.
func TestNewMachinePinsTheRestoringOwner(t *testing.T) {
	s := newKeyringScene(t)
	backup := filepath.Join(s.dir, "b.age")
	s.ok(s.owner, "backup", "-o", backup)
	laptop := filepath.Join(s.dir, "laptop-state")
	s.vault = filepath.Join(s.dir, "laptop.db")
	s.onMachine(laptop, func() {
		s.ok(s.owner, "restore", backup, "--yes")
		if out := s.ok("", "list"); !strings.Contains(out, s.customer) {
			t.Fatalf("keyless list after the restore on a new machine: %q", out)
		}
		s.ok(s.helper, "label", s.customer, "--format", "text")
	})
	// The file copied to a machine that has pinned no one: list with the
	// owner's identity pins the owner, and keyless commands work after.
	copied := filepath.Join(s.dir, "copied-state")
	s.onMachine(copied, func() {
		code, _, errs := s.run("", "list")
		if code != exitKey || !strings.Contains(errs, "list --identity") {
			t.Fatalf("keyless list on an unpinned machine: exit %d %q, want 3 naming list --identity", code, errs)
		}
		if code, _, errs := s.run(s.helper, "list"); code != exitKey {
			t.Fatalf("a helper's identity pinned nobody: exit %d %q, want 3", code, errs)
		}
		s.ok(s.owner, "list")
		if out := s.ok("", "list"); !strings.Contains(out, s.customer) {
			t.Fatalf("keyless list after list --identity OWNER: %q", out)
		}
	})
}

// A restore onto a new machine (the vault file lost) cannot continue what
// a helper's machine saw since the backup: the helper is told who restored
// it and when, and the exact command to accept it; only that owner's
// fingerprint accepts it, and an older copy put back afterwards is still
// a rollback.
func TestHelperMachineAfterARestoreOntoANewMachine(t *testing.T) {
	s := newKeyringScene(t)
	fp := strings.TrimSpace(s.ok("", "trust", "show"))
	helperMachine := filepath.Join(s.dir, "helper-machine")
	s.onMachine(helperMachine, func() { s.ok("", "trust", "add", fp) })
	backup := filepath.Join(s.dir, "b.age")
	s.ok(s.owner, "backup", "-o", backup)
	s.ok(s.owner, "rotate", "--group", "shipping")
	s.onMachine(helperMachine, func() { s.ok(s.helper, "label", s.customer, "--format", "text") })
	must(t, os.Remove(s.vault))
	s.onMachine(filepath.Join(s.dir, "new-laptop"), func() { s.ok(s.owner, "restore", backup, "--yes") })
	s.onMachine(helperMachine, func() {
		code, _, errs := s.run(s.helper, "label", s.customer, "--format", "text")
		if code != exitIntegrity || !strings.Contains(errs, "owner restored this vault from a backup on 2026-11-02") ||
			!strings.Contains(errs, "shopvault trust add --after-restore "+fp) {
			t.Fatalf("helper after a restore onto a new machine: exit %d %q, want 7 naming the restore and the command", code, errs)
		}
		if code, _, errs := s.run("", "trust", "add", fp); code != exitIntegrity {
			t.Fatalf("plain trust add accepted the restored vault: exit %d %q, want 7", code, errs)
		}
		if code, _, _ := s.run("", "trust", "add", "--after-restore", "0000-0000-0000-0000-0000-0000-0000-0000"); code != exitRefused {
			t.Fatalf("trust add --after-restore with a fingerprint that signed nothing: exit %d, want 5", code)
		}
		s.ok("", "trust", "add", "--after-restore", fp)
		s.ok(s.helper, "label", s.customer, "--format", "text")
	})
	// An older copy put back afterwards is a rollback again, not a restore.
	earlier, err := os.ReadFile(s.vault)
	must(t, err)
	s.onMachine(filepath.Join(s.dir, "new-laptop"), func() { s.ok(s.owner, "edit", s.customer, "--line1", "3 Marina") })
	s.onMachine(helperMachine, func() {
		s.ok(s.helper, "label", s.customer, "--format", "text")
		must(t, os.WriteFile(s.vault, earlier, 0o600))
		code, _, errs := s.run(s.helper, "label", s.customer, "--format", "text")
		if code != exitIntegrity || strings.Contains(errs, "restored this vault") || strings.Contains(errs, "after-restore") {
			t.Fatalf("an older copy put back after the accepted restore: exit %d %q, want 7 as a rollback", code, errs)
		}
		if code, _, errs := s.run("", "trust", "add", "--after-restore", fp); code != exitIntegrity {
			t.Fatalf("trust add --after-restore accepted a rollback: exit %d %q, want 7", code, errs)
		}
	})
}

// The owner restores over an older copy of the vault file put back from
// outside, behind a rotation this machine and a helper's had verified: the
// restore goes through (it is the deliberate way back), and the helper is
// told of it as of a restore onto a new machine.
func TestRestoreOverAnOlderCopyPutBack(t *testing.T) {
	s := newKeyringScene(t)
	fp := strings.TrimSpace(s.ok("", "trust", "show"))
	helperMachine := filepath.Join(s.dir, "helper-machine")
	s.onMachine(helperMachine, func() { s.ok("", "trust", "add", fp) })
	backup := filepath.Join(s.dir, "b.age")
	s.ok(s.owner, "backup", "-o", backup)
	old, err := os.ReadFile(s.vault)
	must(t, err)
	s.ok(s.owner, "rotate", "--group", "shipping")
	s.onMachine(helperMachine, func() { s.ok(s.helper, "label", s.customer, "--format", "text") })
	must(t, os.WriteFile(s.vault, old, 0o600))
	if code, _, errs := s.run(s.owner, "list"); code != exitIntegrity {
		t.Fatalf("owner's list on the older copy put back: exit %d %q, want 7", code, errs)
	}
	s.ok(s.owner, "restore", backup, "--yes")
	// the restore leaves this machine trusting the restored chain
	if got := s.trustedPolicyVersion(s.vars["XDG_STATE_HOME"]); got == 0 {
		t.Fatal("after the restore over a put-back file this machine trusts no policy version")
	}
	s.ok(s.owner, "check")
	s.onMachine(helperMachine, func() {
		code, _, errs := s.run(s.helper, "label", s.customer, "--format", "text")
		if code != exitIntegrity || !strings.Contains(errs, "trust add --after-restore "+fp) {
			t.Fatalf("helper after a restore over a put-back file: exit %d %q, want 7 naming the restore", code, errs)
		}
		s.ok("", "trust", "add", "--after-restore", fp)
		s.ok(s.helper, "label", s.customer, "--format", "text")
	})
}

// trustedPolicyVersion is the policy version this machine's trust file for
// the scene's vault says it verified (0 for none).
func (s *keyringScene) trustedPolicyVersion(state string) uint64 {
	t := s.t
	t.Helper()
	var id []byte
	s.edit(func(tx *bolt.Tx) error {
		id = bytes.Clone(tx.Bucket([]byte("meta")).Get([]byte("vault_id")))
		return nil
	})
	data, err := os.ReadFile(filepath.Join(state, "shopvault", "trust", hex.EncodeToString(id)+".json"))
	must(t, err)
	var tf struct {
		Policy *struct{ Version uint64 } `json:"policy"`
	}
	must(t, json.Unmarshal(data, &tf))
	if tf.Policy == nil {
		return 0
	}
	return tf.Policy.Version
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// A trial from outside (restore2): after rotate --identity-out, a backup
// made before must still restore, decrypted with the identity that was the
// owner's then and authorised by the owner's identity now; the restored
// vault keeps the owner's new identity, the purge key and the settings of
// the present, and a doctored backup is still refused.
func TestRestoreAfterOwnerReplacedIdentity(t *testing.T) {
	s := newRestoreScene(t)
	old := filepath.Join(s.dir, "old.txt")
	must(t, os.WriteFile(old, mustRead(t, s.owner), 0o600))
	newID := filepath.Join(s.dir, "new.txt")
	s.ok(old, "rotate", "--identity-out", newID)
	s.ok(newID, "purge-key")
	s.ok(newID, "settings", "--require-reason-for-support")

	code, _, errs := s.run(newID, "restore", s.backup, "--yes")
	if code != exitKey || !strings.Contains(errs, "none of the identities in use opens this backup") ||
		!strings.Contains(errs, "--identity OLD.txt --identity NEW.txt") || strings.Contains(errs, "identity given cannot unlock") {
		t.Fatalf("restore with only the new identity: exit %d %s", code, errs)
	}

	bad := s.doctor(func(tx *bolt.Tx) error {
		rb := tx.Bucket([]byte("records"))
		k, v := rb.Cursor().First()
		v = bytes.Clone(v)
		v[len(v)-1] ^= 1
		return rb.Put(k, v)
	})
	before := mustRead(t, s.vault)
	if code, _, errs := s.run("", "--identity", old, "--identity", newID, "restore", bad, "--yes"); code != exitIntegrity {
		t.Fatalf("a doctored backup after the rotation: exit %d %s, want 7", code, errs)
	}
	if !bytes.Equal(before, mustRead(t, s.vault)) {
		t.Fatal("a refused restore changed the vault")
	}

	out := s.ok("", "--identity", old, "--identity", newID, "restore", s.backup, "--yes")
	for _, want := range []string{
		"kept: identities replaced since stay out: the old identity of owner",
		"kept: owners as they are now, with the identities they use now: owner",
		"kept: the settings as they are now",
		"kept: the purge key as it is now",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the restore summary does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "people removed since stay removed: owner") {
		t.Errorf("the summary calls the owner's replaced identity a removed person:\n%s", out)
	}
	s.ok(newID, "check")
	s.ok(newID, "audit", "verify")
	s.ok(newID, "show", s.customer, "--reason", "test")
	if got := s.ok(newID, "settings"); !strings.Contains(got, "reason required for support reads: yes") {
		t.Errorf("the restore reverted the settings:\n%s", got)
	}
	if code, _, errs := s.run(old, "show", s.customer); code != exitKey {
		t.Errorf("the replaced identity opens the restored vault: exit %d %s", code, errs)
	}
	// cron's purge key (issued after the backup) still signs
	s.ok("", "purge", "--rules", s.rules, "--apply")
}

// The same trial: rotate --identity-out run with the default identity file
// replaces that file with the new identity (keeping the old one beside it,
// 0600, for older backups); an old key put back there does not stop
// keyless backup (it runs as cron, with a warning), and a command that needs
// a key names the file it used instead of "the identity given".
func TestRotateReplacesTheDefaultIdentity(t *testing.T) {
	h := newCLIHarness(t)
	def := filepath.Join(h.vars["XDG_CONFIG_HOME"], "shopvault", "identity.txt")
	h.ok("", "init")
	oldKey := mustRead(t, def)
	newID := filepath.Join(h.dir, "new.txt")
	out := h.ok("", "rotate", "--identity-out", newID)
	if !bytes.Equal(mustRead(t, def), mustRead(t, newID)) {
		t.Fatalf("the default identity file still holds the old key after rotate --identity-out:\n%s", out)
	}
	kept, _ := filepath.Glob(filepath.Join(filepath.Dir(def), "identity-replaced-*.txt"))
	if len(kept) != 1 || !bytes.Equal(mustRead(t, kept[0]), oldKey) || !strings.Contains(out, kept[0]) {
		t.Fatalf("the old identity is not kept where the output says (%v):\n%s", kept, out)
	}
	for _, p := range []string{def, kept[0]} {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v, want mode 600", p, st.Mode(), err)
		}
	}
	h.ok("", "check")

	must(t, os.WriteFile(def, oldKey, 0o600))
	code, _, errs := h.run("", "backup", "-o", filepath.Join(h.dir, "b.age"))
	if code != 0 || !strings.Contains(errs, "warning: the default identity file "+def+" is not a recipient of this vault") {
		t.Fatalf("keyless backup with a stale default identity: exit %d %s", code, errs)
	}
	es := auditActions(t, &cliHarness{t: t, dir: h.dir, vault: h.vault, owner: newID, vars: h.vars, now: h.now})
	if last := es[len(es)-1]; last["action"] != "backup" || last["actor"] != "cron" {
		t.Fatalf("the backup is logged as %v, want cron", last)
	}
	code, _, errs = h.run("", "check")
	if code != exitKey || !strings.Contains(errs, "the default identity file "+def+" cannot unlock this vault (no --identity was given)") || strings.Contains(errs, "identity given") {
		t.Fatalf("check with a stale default identity: exit %d %s", code, errs)
	}
}

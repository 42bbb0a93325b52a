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
	if code != exitKey || !strings.Contains(errs, "none of the identities given opens this backup") ||
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

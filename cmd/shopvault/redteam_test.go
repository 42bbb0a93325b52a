package main

import (
	"bytes"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// stripToFormat2 makes a copy of a signed vault look like a format-2 file
// made before signatures: format entry 2, the signed state deleted.
func stripToFormat2(tx *bolt.Tx) error {
	m := tx.Bucket([]byte("meta"))
	if err := m.Put([]byte("format"), []byte("2")); err != nil {
		return err
	}
	for _, k := range []string{"head", "data_head", "purge_key", "rules_hash"} {
		if err := m.Delete([]byte(k)); err != nil {
			return err
		}
	}
	for _, b := range []string{"policy", "purges"} {
		if tx.Bucket([]byte(b)) != nil {
			if err := tx.DeleteBucket([]byte(b)); err != nil {
				return err
			}
		}
	}
	return nil
}

// A doctored backup (the shipping helper promoted to owner) passed off as
// one made before format 3, so that it carries no signed policy to
// compare, must be refused as the signed doctored copies are.
func TestRedTeamRestoreOfBackupStrippedToFormat2(t *testing.T) {
	s := newRestoreScene(t)
	bad := s.doctor(func(tx *bolt.Tx) error {
		rb := tx.Bucket([]byte("recipients"))
		if err := rb.ForEach(func(k, v []byte) error {
			if bytes.Contains(v, []byte(`"shipping"`)) {
				return rb.Put(k, bytes.Replace(v, []byte(`"shipping"`), []byte(`"owner"`), 1))
			}
			return nil
		}); err != nil {
			return err
		}
		return stripToFormat2(tx)
	})
	before := mustRead(t, s.vault)
	code, _, errs := s.run(s.owner, "restore", bad, "--yes")
	if code != exitIntegrity {
		t.Fatalf("restore of a backup stripped to format 2: exit %d %s, want 7", code, errs)
	}
	if !strings.Contains(errs, "audit log") {
		t.Errorf("the refusal does not say what failed: %s", errs)
	}
	if !bytes.Equal(before, mustRead(t, s.vault)) {
		t.Fatal("a refused restore changed the vault")
	}
}

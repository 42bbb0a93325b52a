package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"
)

// restoreScene is a vault with an owner, a shipping helper, one customer
// and a backup made while the helper was still a recipient.
type restoreScene struct {
	*cliHarness
	customer string
	backup   string
}

func newRestoreScene(t *testing.T) *restoreScene {
	h := newCLIHarness(t)
	h.ok("", "init", "--identity-out", h.owner)
	h.ok("", "--vault", filepath.Join(h.dir, "h.db"), "init", "--identity-out", h.helper)
	s := &restoreScene{cliHarness: h, backup: filepath.Join(h.dir, "b.age")}
	s.customer = h.alias(h.ok(h.owner, "add", "--name", "Ada Obi", "--line1", "1 Marina", "--city", "Lagos", "--country", "NG", "--json"))
	h.ok(h.owner, "recipients", "add", publicKeyOf(t, h.helper), "--role", "shipping", "--name", "desk")
	h.ok("", "backup", "-o", s.backup)
	return s
}

// doctor decrypts the backup with the owner's identity (as an attacker
// who holds a copy of the vault file could have made it), changes the
// vault inside with bbolt, and encrypts it again to the owner's public
// key: anyone can do that last step.
func (s *restoreScene) doctor(change func(tx *bolt.Tx) error) string {
	t := s.t
	owner, err := age.ParseIdentities(bytes.NewReader(mustRead(t, s.owner)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(s.backup)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { must(t, f.Close()) }()
	r, err := age.Decrypt(f, owner...)
	if err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(t.TempDir(), "copy.db")
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r); err != nil {
		t.Fatal(err)
	}
	must(t, os.WriteFile(plain, buf.Bytes(), 0o600))
	db, err := bolt.Open(plain, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(change); err != nil {
		t.Fatal(err)
	}
	must(t, db.Close())
	rcpt, err := age.ParseX25519Recipient(publicKeyOf(t, s.owner))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(s.dir, "doctored.age")
	var enc bytes.Buffer
	w, err := age.Encrypt(&enc, rcpt)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.Write(mustRead(t, plain))
	must(t, err)
	must(t, w.Close())
	must(t, os.WriteFile(out, enc.Bytes(), 0o600))
	return out
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func auditActions(t *testing.T, h *cliHarness) []map[string]any {
	t.Helper()
	var es []map[string]any
	if err := json.Unmarshal([]byte(h.ok(h.owner, "audit", "list", "--json")), &es); err != nil {
		t.Fatal(err)
	}
	return es
}

// Issue 13, "tried from outside": a doctored copy of the vault encrypted to
// the owner's public key is refused (exit 7) and changes nothing.
func TestRestoreRefusesDoctoredBackup(t *testing.T) {
	s := newRestoreScene(t)
	s.ok(s.owner, "show", s.customer)
	tests := []struct {
		name   string
		change func(tx *bolt.Tx) error
	}{
		{"a customer's sealed record changed", func(tx *bolt.Tx) error {
			rb := tx.Bucket([]byte("records"))
			k, v := rb.Cursor().First()
			v = bytes.Clone(v)
			v[len(v)-1] ^= 1
			return rb.Put(k, v)
		}},
		{"an owner recipient added by hand", func(tx *bolt.Tx) error {
			rb := tx.Bucket([]byte("recipients"))
			k, v := rb.Cursor().First()
			return rb.Put(append(bytes.Clone(k), 'x'), bytes.Replace(v, []byte(`"shipping"`), []byte(`"owner"`), 1))
		}},
		{"the helper promoted to owner", func(tx *bolt.Tx) error {
			rb := tx.Bucket([]byte("recipients"))
			return rb.ForEach(func(k, v []byte) error {
				if bytes.Contains(v, []byte(`"shipping"`)) {
					return rb.Put(k, bytes.Replace(v, []byte(`"shipping"`), []byte(`"owner"`), 1))
				}
				return nil
			})
		}},
		{"a key version made current by hand", func(tx *bolt.Tx) error {
			gb := tx.Bucket([]byte("keys")).Bucket([]byte("contact"))
			return gb.Put([]byte("current"), []byte{0, 0, 0, 0, 0, 0, 0, 9})
		}},
		{"an access-log entry rewritten", func(tx *bolt.Tx) error {
			ab := tx.Bucket([]byte("audit"))
			k, v := ab.Cursor().First()
			return ab.Put(k, bytes.Replace(v, []byte(`"init"`), []byte(`"nothing"`), 1))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := s.doctor(tt.change)
			before := mustRead(t, s.vault)
			code, _, errs := s.run(s.owner, "restore", bad, "--yes")
			if code != exitIntegrity {
				t.Fatalf("restore of a doctored backup: exit %d %s, want 7", code, errs)
			}
			if strings.Contains(errs, "Ada") || strings.Contains(errs, "Lagos") {
				t.Fatalf("the refusal prints customer data: %s", errs)
			}
			if !bytes.Equal(before, mustRead(t, s.vault)) {
				t.Fatal("a refused restore changed the vault")
			}
			for _, leftover := range []string{".restore-tmp", ".before-restore"} {
				if _, err := os.Lstat(s.vault + leftover); err == nil {
					t.Fatalf("a refused restore left %s", leftover)
				}
			}
		})
	}
}

// Issue 13: a backup of another vault, encrypted to the same owner, is
// refused; only an owner may restore; a removed identity may not.
func TestRestoreOnlyByOwnersOfThisVault(t *testing.T) {
	s := newRestoreScene(t)
	other := filepath.Join(s.dir, "other.db")
	s.ok("", "--vault", other, "init", "--identity-out", filepath.Join(s.dir, "other.txt"))
	s.ok("", "--vault", other, "backup", "-o", filepath.Join(s.dir, "other.age"))
	if code, _, errs := s.run(filepath.Join(s.dir, "other.txt"), "restore", filepath.Join(s.dir, "other.age"), "--yes"); code == 0 {
		t.Fatalf("another vault's owner restored their backup over this vault: %s", errs)
	}
	// an identity that is not (or no longer) an owner: never
	if code, _, errs := s.run(s.helper, "restore", s.backup, "--yes"); code != exitKey || !strings.Contains(errs, "may not restore") {
		t.Fatalf("the shipping helper restored: exit %d %s", code, errs)
	}
	s.ok(s.owner, "recipients", "remove", "desk")
	if code, _, errs := s.run(s.helper, "restore", s.backup, "--yes"); code != exitKey {
		t.Fatalf("the removed helper restored: exit %d %s", code, errs)
	}
	if code, _, errs := s.run("", "restore", s.backup, "--yes"); code != exitKey {
		t.Fatalf("a keyless restore: exit %d %s", code, errs)
	}
}

// Issue 13: restoring a backup made before `recipients remove` keeps the
// helper out, keeps every access-log entry written since, and logs the
// restore as the owner, not cron.
func TestRestoreKeepsRemovalsAndTheLog(t *testing.T) {
	s := newRestoreScene(t)
	s.ok(s.helper, "label", s.customer, "--format", "text", "-o", "-")
	s.ok(s.owner, "recipients", "remove", "desk")
	beforeRestore := auditActions(t, s.cliHarness)
	out := s.ok(s.owner, "restore", s.backup, "--yes")
	if !strings.Contains(out, "people removed since stay removed: desk") {
		t.Fatalf("restore summary does not say the helper stays removed: %s", out)
	}
	if code, _, errs := s.run(s.helper, "label", s.customer, "--format", "text", "-o", "-"); code != exitKey && code != exitIntegrity {
		t.Fatalf("the removed helper prints labels after the restore: exit %d %s", code, errs)
	}
	// the helper's identity opens no key blob left in the file
	db, err := bolt.Open(s.vault, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	helperIDs, _ := age.ParseIdentities(bytes.NewReader(mustRead(t, s.helper)))
	must(t, db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("keys")).ForEach(func(g, _ []byte) error {
			gb := tx.Bucket([]byte("keys")).Bucket(g)
			if gb == nil {
				return nil
			}
			return gb.ForEach(func(k, blob []byte) error {
				if _, err := age.Decrypt(bytes.NewReader(blob), helperIDs...); err == nil {
					t.Errorf("the removed helper's identity opens keys/%s/%s after the restore", g, k)
				}
				return nil
			})
		})
	}))
	must(t, db.Close())
	after := auditActions(t, s.cliHarness)
	if len(after) <= len(beforeRestore) {
		t.Fatalf("the log has %d entries after the restore, %d before", len(after), len(beforeRestore))
	}
	for i, e := range beforeRestore {
		if after[i]["hash"] != e["hash"] {
			t.Fatalf("access-log entry %d changed by the restore: %v -> %v", i+1, e, after[i])
		}
	}
	var restore map[string]any
	for _, e := range after[len(beforeRestore):] {
		if e["action"] == "restore" {
			restore = e
		}
	}
	if restore == nil || restore["actor"] != "owner" || restore["role"] != "owner" {
		t.Fatalf("restore logged as %v, want the owner", restore)
	}
	s.ok(s.owner, "audit", "verify")
	s.ok(s.owner, "check")
}

// Issue 13: on a new machine (nothing pinned, no vault), a backup verifies
// against the owner's own identity: a doctored copy encrypted to the
// owner's public key is refused (exit 7) and leaves no vault; the genuine
// backup restores and is logged as the owner.
func TestFreshRestoreOnANewMachine(t *testing.T) {
	s := newRestoreScene(t)
	bad := s.doctor(func(tx *bolt.Tx) error {
		rb := tx.Bucket([]byte("recipients"))
		return rb.ForEach(func(k, v []byte) error {
			if bytes.Contains(v, []byte(`"shipping"`)) {
				return rb.Put(k, bytes.Replace(v, []byte(`"shipping"`), []byte(`"owner"`), 1))
			}
			return nil
		})
	})
	laptop := *s.cliHarness
	laptop.vars = map[string]string{}
	for k, v := range s.vars {
		laptop.vars[k] = v
	}
	laptop.vars["XDG_STATE_HOME"] = filepath.Join(s.dir, "laptop-state")
	laptop.vault = filepath.Join(s.dir, "laptop.db")
	if code, _, errs := laptop.run(s.owner, "restore", bad); code != exitIntegrity {
		t.Fatalf("fresh restore of a doctored backup: exit %d %s, want 7", code, errs)
	}
	if _, err := os.Lstat(laptop.vault); err == nil {
		t.Fatal("a refused fresh restore left a vault")
	}
	if code, _, errs := laptop.run(s.helper, "restore", s.backup); code != exitKey {
		t.Fatalf("the helper restored onto a new machine: exit %d %s", code, errs)
	}
	laptop.ok(s.owner, "restore", s.backup)
	laptop.ok(s.owner, "check")
	var es []map[string]any
	must(t, json.Unmarshal([]byte(laptop.ok(s.owner, "audit", "list", "--json")), &es))
	if last := es[len(es)-1]; last["action"] != "restore" || last["actor"] != "owner" {
		t.Fatalf("the fresh restore is logged as %v", last)
	}
}

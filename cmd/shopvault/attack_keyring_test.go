package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// keyringScene is a vault with an owner, a shipping helper and a customer.
type keyringScene struct {
	*cliHarness
	customer string
	ownerPub string
}

func newKeyringScene(t *testing.T) *keyringScene {
	h := newCLIHarness(t)
	h.ok("", "init", "--identity-out", h.owner)
	h.ok("", "--vault", filepath.Join(h.dir, "h.db"), "init", "--identity-out", h.helper)
	s := &keyringScene{cliHarness: h, ownerPub: publicKeyOf(t, h.owner)}
	s.customer = h.alias(h.ok(h.owner, "add", "--name", "Ada Obi", "--email", "ada@example.ng", "--line1", "1 Marina", "--city", "Lagos", "--country", "NG", "--json"))
	h.ok(h.owner, "recipients", "add", publicKeyOf(t, h.helper), "--role", "shipping", "--name", "desk")
	return s
}

// edit changes the vault file with bbolt and no key, as anyone who can
// write the file can.
func (s *keyringScene) edit(change func(tx *bolt.Tx) error) {
	db, err := bolt.Open(s.vault, 0o600, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	defer func() { must(s.t, db.Close()) }()
	if err := db.Update(change); err != nil {
		s.t.Fatal(err)
	}
}

// rollBackRecord edits the scene's customer, then puts the record's earlier
// value back with no key.
func (s *keyringScene) rollBackRecord() {
	var before []byte
	s.edit(func(tx *bolt.Tx) error {
		before = bytes.Clone(tx.Bucket([]byte("records")).Get(recordKeyOf(s.t, tx, s.customer)))
		return nil
	})
	s.ok(s.owner, "edit", s.customer, "--line1", "9 Broad Street")
	s.edit(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("records")).Put(recordKeyOf(s.t, tx, s.customer), before)
	})
}

// reinsertForgotten forgets the scene's customer, then puts the record and
// its alias back and deletes the tombstone, with no key: an erased
// customer brought back from outside.
func (s *keyringScene) reinsertForgotten() {
	var key, record, aliasEntry []byte
	s.edit(func(tx *bolt.Tx) error {
		key = recordKeyOf(s.t, tx, s.customer)
		record = bytes.Clone(tx.Bucket([]byte("records")).Get(key))
		aliasEntry = bytes.Clone(tx.Bucket([]byte("aliases")).Get(canonical(s.customer)))
		return nil
	})
	s.ok(s.owner, "forget", s.customer, "--yes")
	s.edit(func(tx *bolt.Tx) error {
		if err := tx.Bucket([]byte("tombstones")).Delete(key); err != nil {
			return err
		}
		if err := tx.Bucket([]byte("aliases")).Put(canonical(s.customer), aliasEntry); err != nil {
			return err
		}
		return tx.Bucket([]byte("records")).Put(key, record)
	})
}

func wrapTo(t *testing.T, recipient string, key []byte) []byte {
	r, err := age.ParseX25519Recipient(recipient)
	if err != nil {
		t.Fatal(err)
	}
	blob, err := crypto.WrapKey(key, r)
	if err != nil {
		t.Fatal(err)
	}
	return blob
}

func be8(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

// Issue 13: each attack from the issue, made by editing the file with no
// key; the owner's next command refuses with exit 7 instead of using (and
// signing) what the attacker wrote.
func TestKeyringAttacksExit7(t *testing.T) {
	attacker, _ := age.GenerateX25519Identity()
	cases := []struct {
		name    string
		change  func(s *keyringScene) func(tx *bolt.Tx) error
		command []string
		message string
	}{
		{"recipients entry added by hand, then rotate", func(s *keyringScene) func(tx *bolt.Tx) error {
			return func(tx *bolt.Tx) error {
				info, _ := json.Marshal(map[string]any{"recipient": attacker.Recipient().String(), "role": "owner", "label": "evil", "added": s.now})
				return tx.Bucket([]byte("recipients")).Put([]byte(crypto.RecipientID(attacker.Recipient().String())), info)
			}
		}, []string{"rotate", "--group", "all"}, "recipients entry .* is not in the signed policy"},
		{"new key version made current, then add", func(s *keyringScene) func(tx *bolt.Tx) error {
			return func(tx *bolt.Tx) error {
				gb := tx.Bucket([]byte("keys")).Bucket([]byte("contact"))
				must(t, gb.Put([]byte("v2/"+crypto.RecipientID(s.ownerPub)), wrapTo(t, s.ownerPub, bytes.Repeat([]byte{7}, 32))))
				return gb.Put([]byte("current"), be8(2))
			}
		}, []string{"add", "--name", "Bo Chen", "--email", "bo@example.com"}, "current version is 2, the signed policy says 1"},
		{"wrapped key replaced, then show", func(s *keyringScene) func(tx *bolt.Tx) error {
			return func(tx *bolt.Tx) error {
				gb := tx.Bucket([]byte("keys")).Bucket([]byte("shipping"))
				return gb.Put([]byte("v1/"+crypto.RecipientID(s.ownerPub)), wrapTo(t, s.ownerPub, bytes.Repeat([]byte{9}, 32)))
			}
		}, []string{"show", "ALIAS"}, "keyring entry shipping/v1/.* was replaced"},
		{"audit entry edited and chain recomputed, then the owner's next command", func(s *keyringScene) func(tx *bolt.Tx) error {
			return func(tx *bolt.Tx) error {
				ab := tx.Bucket([]byte("audit"))
				prev := ""
				return ab.ForEach(func(k, data []byte) error {
					var e map[string]any
					must(t, json.Unmarshal(data, &e))
					if e["seq"].(float64) == 2 {
						e["action"] = "nothing to see"
					}
					e["prev"], e["hash"] = prev, ""
					body, _ := json.Marshal(e)
					e["hash"] = sha256Hex(body)
					prev = e["hash"].(string)
					out, _ := json.Marshal(e)
					return ab.Put(k, out)
				})
			}
		}, []string{"add", "--name", "Bo Chen"}, "audit entry \\d+ does not match the signed state head"},
		{"access log cut and an audit key injected", func(s *keyringScene) func(tx *bolt.Tx) error {
			return func(tx *bolt.Tx) error {
				ab := tx.Bucket([]byte("audit"))
				k, _ := ab.Cursor().Last()
				must(t, ab.Delete(k))
				gb := tx.Bucket([]byte("keys")).Bucket([]byte("audit"))
				must(t, gb.Put([]byte("v9/"+crypto.RecipientID(s.ownerPub)), wrapTo(t, s.ownerPub, bytes.Repeat([]byte{5}, 32))))
				return gb.Put([]byte("current"), be8(9))
			}
		}, []string{"audit", "verify"}, "integrity failure"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newKeyringScene(t)
			s.edit(c.change(s))
			args := append([]string{}, c.command...)
			for i, a := range args {
				if a == "ALIAS" {
					args[i] = s.customer
				}
			}
			code, _, errs := s.run(s.owner, args...)
			if code != exitIntegrity || !regexp.MustCompile(c.message).MatchString(errs) {
				t.Fatalf("%v after the attack: exit %d, %q; want exit 7 matching %q", args, code, errs, c.message)
			}
			if strings.Contains(errs, "Ada") || strings.Contains(errs, "panic") {
				t.Fatalf("message shows customer data or a crash: %q", errs)
			}
			// Cron and the helper refuse the file too.
			if code, _, _ := s.run("", "list"); code != exitIntegrity {
				t.Errorf("keyless list after the attack: exit %d, want 7", code)
			}
		})
	}
}

// Issue 13: a helper's machine trusts the vault only after pinning the
// owner's fingerprint, as recipients add printed it.
func TestHelperMachinePinsTheOwner(t *testing.T) {
	s := newKeyringScene(t)
	second := filepath.Join(s.dir, "h2.txt")
	s.ok("", "--vault", filepath.Join(s.dir, "h2.db"), "init", "--identity-out", second)
	_, _, errs := s.run(s.owner, "recipients", "add", publicKeyOf(t, second), "--role", "support", "--name", "desk2")
	fp := strings.TrimSpace(s.ok("", "trust", "show"))
	if !regexp.MustCompile(`^[0-9a-f]{4}(-[0-9a-f]{4}){7}$`).MatchString(fp) {
		t.Fatalf("trust show printed %q", fp)
	}
	if !strings.Contains(errs, "shopvault trust add "+fp) {
		t.Fatalf("recipients add does not say how to pin the owner: %q", errs)
	}
	s.vars["XDG_STATE_HOME"] = filepath.Join(s.dir, "helper-machine")
	code, _, errs := s.run(s.helper, "label", s.customer, "--format", "text")
	if code != exitKey || !strings.Contains(errs, "shopvault trust add") {
		t.Fatalf("unpinned helper machine: exit %d %q, want 3 with a hint to pin", code, errs)
	}
	if code, _, errs := s.run("", "trust", "add", "0000-0000-0000-0000-0000-0000-0000-0000"); code != exitRefused || !strings.Contains(errs, "belongs to no owner") {
		t.Fatalf("pinning a fingerprint that signed nothing: exit %d %q, want 5", code, errs)
	}
	if code, _, _ := s.run("", "trust", "add", "not-a-fingerprint"); code != exitRefused {
		t.Fatalf("pinning nonsense: exit %d, want 5", code)
	}
	if out := s.ok("", "trust", "add", strings.ToUpper(fp)); !strings.Contains(out, "trusted owner") {
		t.Fatalf("trust add printed %q", out)
	}
	if out := s.ok(s.helper, "label", s.customer, "--format", "text"); !strings.Contains(out, "Lagos") {
		t.Fatalf("label after pinning: %q", out)
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

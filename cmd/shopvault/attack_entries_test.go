package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	bolt "go.etcd.io/bbolt"
)

// canonical is an alias as the aliases bucket keys it (no dashes).
func canonical(alias string) []byte { return []byte(strings.ReplaceAll(alias, "-", "")) }

// recordKeyOf finds a customer's record by the primary alias its metadata
// names, as an attacker reading docs/format.md would.
func recordKeyOf(t *testing.T, tx *bolt.Tx, alias string) []byte {
	t.Helper()
	want := canonical(alias)
	var found []byte
	must(t, tx.Bucket([]byte("records")).ForEach(func(k, v []byte) error {
		if n, l := binary.Uvarint(v[1:]); l > 0 && bytes.Equal(v[1+l:1+l+int(n)], want) {
			found = bytes.Clone(k)
		}
		return nil
	}))
	if found == nil {
		t.Fatalf("no record names alias %s", alias)
	}
	return found
}

// backDated rewrites a record value's created, updated and last-activity
// times (docs/format.md, "Records") to at.
func backDated(t *testing.T, v []byte, at time.Time) []byte {
	t.Helper()
	out, err := backDatedValue(v, at)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func backDatedValue(v []byte, at time.Time) ([]byte, error) {
	n, l := binary.Uvarint(v[1:])
	pos := 1 + l + int(n)
	out := bytes.Clone(v[:pos])
	for range 3 {
		if v[pos] != 1 {
			return nil, errors.New("a record time is not set")
		}
		_, ls := binary.Varint(v[pos+1:])
		_, ln := binary.Uvarint(v[pos+1+ls:])
		out = append(out, 1)
		out = binary.AppendVarint(out, at.Unix())
		out = binary.AppendUvarint(out, 0)
		pos += 1 + ls + ln
	}
	return append(out, v[pos:]...), nil
}

// backdateAll is the testscript command "backdate VAULT": every record's
// times set to 2015 with bbolt and no key, as anyone who can write the
// file can.
func backdateAll(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: backdate VAULT")
	}
	db, err := bolt.Open(ts.MkAbs(args[0]), 0o600, nil)
	ts.Check(err)
	defer func() { ts.Check(db.Close()) }()
	ts.Check(db.Update(func(tx *bolt.Tx) error {
		rb := tx.Bucket([]byte("records"))
		c := rb.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			out, err := backDatedValue(v, time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC))
			if err != nil {
				return err
			}
			if err := rb.Put(bytes.Clone(k), out); err != nil {
				return err
			}
		}
		return nil
	}))
}

// Issue 13: the attacks on customer data from the issue, made by editing
// the file with no key; check exits 7 naming the bucket whose entry tags
// no longer add up to the signed head's sums.
func TestEntryAttacksExit7(t *testing.T) {
	cases := []struct {
		name    string
		attack  func(s *keyringScene, other string)
		message string
		// refused, when set, is a command that must also exit 7 at once.
		refused []string
	}{
		{"record metadata back-dated so that purge would erase it", func(s *keyringScene, _ string) {
			s.edit(func(tx *bolt.Tx) error {
				rb := tx.Bucket([]byte("records"))
				k := recordKeyOf(t, tx, s.customer)
				return rb.Put(k, backDated(t, rb.Get(k), time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)))
			})
		}, "the records bucket's entry tags do not add up", nil},
		{"alias links swapped", func(s *keyringScene, other string) {
			s.edit(func(tx *bolt.Tx) error {
				ab := tx.Bucket([]byte("aliases"))
				a, b := bytes.Clone(ab.Get(canonical(s.customer))), bytes.Clone(ab.Get(canonical(other)))
				if err := ab.Put(canonical(s.customer), b); err != nil {
					return err
				}
				return ab.Put(canonical(other), a)
			})
		}, "the aliases bucket's entry tags do not add up", []string{"label", "%s", "--format", "text", "-o", "-"}},
		{"record rolled back to its earlier value", func(s *keyringScene, _ string) {
			s.rollBackRecord()
		}, "the records bucket's entry tags do not add up", nil},
		{"forgotten customer re-inserted with the tombstone deleted", func(s *keyringScene, _ string) {
			s.reinsertForgotten()
		}, "bucket holds", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newKeyringScene(t)
			other := s.alias(s.ok(s.owner, "add", "--name", "Bo Bell", "--line1", "2 Kings Road", "--city", "Leeds", "--country", "GB", "--json"))
			s.ok(s.owner, "check")
			tc.attack(s, other)
			code, out, errs := s.run(s.owner, "check")
			if code != exitIntegrity || !strings.Contains(out+errs, tc.message) {
				t.Fatalf("check after the attack: exit %d, want %d with %q: %s%s", code, exitIntegrity, tc.message, out, errs)
			}
			for _, leak := range []string{"Ada", "Marina", "Bo Bell", "Kings"} {
				if strings.Contains(out+errs, leak) {
					t.Fatalf("check's message shows customer data %q: %s%s", leak, out, errs)
				}
			}
			if tc.refused != nil {
				args := slices.Clone(tc.refused)
				for i := range args {
					if args[i] == "%s" {
						args[i] = s.customer
					}
				}
				code, out, errs := s.run(s.helper, args...)
				if code != exitIntegrity || !strings.Contains(errs, "is not one of the record it points to") {
					t.Fatalf("%v after the attack: exit %d, want %d: %s%s", args, code, exitIntegrity, out, errs)
				}
				for _, leak := range []string{"Bo", "Kings", "Leeds"} {
					if strings.Contains(out+errs, leak) {
						t.Fatalf("%v prints the other customer (%q): %s%s", args, leak, out, errs)
					}
				}
			}
		})
	}
}

// Issue 13: index entries are derived, not tagged; an entry added from
// outside that points the searched email at another customer makes find
// exit 7 (the record it reaches does not carry the token), not show them.
func TestFindRefusesAnIndexEntryFromOutside(t *testing.T) {
	s := newKeyringScene(t)
	other := s.alias(s.ok(s.owner, "add", "--name", "Bo Bell", "--email", "bo@example.co.uk", "--city", "Leeds", "--country", "GB", "--json"))
	s.edit(func(tx *bolt.Tx) error {
		ada, bo := recordKeyOf(t, tx, s.customer), recordKeyOf(t, tx, other)
		ib := tx.Bucket([]byte("index")).Bucket([]byte("v1"))
		var moved [][]byte
		must(t, ib.ForEach(func(k, _ []byte) error {
			if k[0] == 'e' && bytes.HasSuffix(k, ada) {
				moved = append(moved, append(bytes.Clone(k[:len(k)-len(ada)]), bo...))
			}
			return nil
		}))
		if len(moved) != 1 {
			t.Fatalf("found %d email index entries of the customer", len(moved))
		}
		return ib.Put(moved[0], nil)
	})
	code, out, errs := s.run(s.owner, "find", "--email", "ada@example.ng", "--json")
	if code != exitIntegrity || !strings.Contains(errs, "index entry points to a customer") {
		t.Fatalf("find after an index entry was added: exit %d, want %d: %s%s", code, exitIntegrity, out, errs)
	}
	for _, leak := range []string{"Bo Bell", "Leeds", other} {
		if strings.Contains(out+errs, leak) {
			t.Fatalf("find shows the other customer (%q): %s%s", leak, out, errs)
		}
	}
}

// Issue 13 (red-team, item 4): a key rotation marker put in from outside
// made check say "a key rotation is in progress" and skip the index, so
// a deleted index entry went unnoticed. The signed head binds the marker:
// check (and every open) exits 7 naming it.
func TestRotationMarkerFromOutsideExit7(t *testing.T) {
	s := newKeyringScene(t)
	s.ok(s.owner, "check")
	s.edit(func(tx *bolt.Tx) error {
		ada := recordKeyOf(t, tx, s.customer)
		ib := tx.Bucket([]byte("index")).Bucket([]byte("v1"))
		var gone []byte
		must(t, ib.ForEach(func(k, _ []byte) error {
			if k[0] == 'e' && bytes.HasSuffix(k, ada) {
				gone = bytes.Clone(k)
			}
			return nil
		}))
		if gone == nil {
			t.Fatal("no email index entry of the customer")
		}
		if err := ib.Delete(gone); err != nil {
			return err
		}
		return tx.Bucket([]byte("meta")).Put([]byte("rotation"), []byte(`{"groups":["index"],"to":{"index":2}}`))
	})
	code, out, errs := s.run(s.owner, "check")
	if code != exitIntegrity || !strings.Contains(errs, "rotation marker") || strings.Contains(out, "rotation is in progress") {
		t.Fatalf("check after a rotation marker was put in: exit %d, want %d naming the marker: %s%s", code, exitIntegrity, out, errs)
	}
	if code, out, errs := s.run(s.helper, "list"); code != exitIntegrity {
		t.Fatalf("a helper's command after a rotation marker was put in: exit %d, want %d: %s%s", code, exitIntegrity, out, errs)
	}
}

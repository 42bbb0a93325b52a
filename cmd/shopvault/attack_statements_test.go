package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// logEntry is an access-log entry as docs/format.md ("Audit log") spells
// it, field for field, so that an attacker can chain one.
type logEntry struct {
	Seq     uint64    `json:"seq"`
	Time    time.Time `json:"time"`
	Actor   string    `json:"actor"`
	Role    string    `json:"role,omitempty"`
	Action  string    `json:"action"`
	Aliases []string  `json:"aliases,omitempty"`
	Count   int       `json:"count,omitempty"`
	Detail  string    `json:"detail,omitempty"`
	Reason  string    `json:"reason,omitempty"`
	Prev    string    `json:"prev"`
	Hash    string    `json:"hash"`
}

// appendUnsigned chains an access-log entry claiming a keyless run.
func appendUnsigned(t *testing.T, tx *bolt.Tx, action string) {
	t.Helper()
	ab := tx.Bucket([]byte("audit"))
	k, data := ab.Cursor().Last()
	var last logEntry
	if err := json.Unmarshal(data, &last); err != nil {
		t.Fatal(err)
	}
	e := logEntry{Seq: binary.BigEndian.Uint64(k) + 1, Time: last.Time.Add(time.Minute), Actor: "cron", Action: action, Prev: last.Hash}
	body, _ := json.Marshal(e)
	sum := sha256.Sum256(body)
	e.Hash = hex.EncodeToString(sum[:])
	body, _ = json.Marshal(e)
	if err := ab.Put(binary.BigEndian.AppendUint64(nil, e.Seq), body); err != nil {
		t.Fatal(err)
	}
}

// Issue 13, the keyless window: someone who can write the file rolls a
// record back, or puts an erased customer back, and adds an unsigned
// "keyless write" or "purge" entry so that the next person's write would
// re-sum and sign the result. The owner's next write, the shipping
// helper's and check all exit 7, and the file stays as it was.
func TestKeylessWindowAttacksExit7(t *testing.T) {
	attacks := map[string]func(s *keyringScene){
		"record rolled back": func(s *keyringScene) {
			s.rollBackRecord()
		},
		"forgotten customer re-inserted, tombstone deleted": func(s *keyringScene) {
			s.reinsertForgotten()
		},
	}
	for name, attack := range attacks {
		for _, action := range []string{"keyless write", "purge"} {
			t.Run(name+", fake "+action, func(t *testing.T) {
				s := newKeyringScene(t)
				other := s.alias(s.ok(s.owner, "add", "--name", "Bo Bell", "--line1", "2 Kings Road", "--city", "Leeds", "--country", "GB", "--json"))
				attack(s)
				s.edit(func(tx *bolt.Tx) error { appendUnsigned(t, tx, action); return nil })
				before := mustRead(t, s.vault)
				for _, c := range []struct {
					who  string
					args []string
				}{
					{s.owner, []string{"add", "--name", "Cy Cole", "--city", "Leeds", "--country", "GB"}},
					{s.helper, []string{"ship", other, "--courier", "gig"}},
					{s.owner, []string{"check"}},
				} {
					code, out, errs := s.run(c.who, c.args...)
					if code != exitIntegrity || !strings.Contains(errs, "no purge statement signs") {
						t.Fatalf("%v: exit %d, want %d naming the unsigned entry: %s%s", c.args, code, exitIntegrity, out, errs)
					}
					for _, leak := range []string{"Ada", "Marina", "Bo Bell", "Kings"} {
						if strings.Contains(out+errs, leak) {
							t.Fatalf("%v shows customer data %q: %s", c.args, leak, errs)
						}
					}
				}
				if after := mustRead(t, s.vault); !bytes.Equal(before, after) {
					t.Fatal("the vault file changed")
				}
			})
		}
	}
}

// Issue 13, back-dating before a keyless purge: the metadata of one and
// then of every customer is changed with no key; cron's purge, its dry run
// and a keyless check recount the records sum and exit 7 naming the
// bucket, before erasing anyone, with no customer data in the message and
// the file (records, tombstones, access log) unchanged. The owner's check
// then exits 7 too.
func TestBackdatedThenPurgedExit7(t *testing.T) {
	s := newKeyringScene(t)
	second := s.alias(s.ok(s.owner, "add", "--name", "Bo Bell", "--line1", "2 Kings Road", "--city", "Leeds", "--country", "GB", "--json"))
	backdate := func(aliases ...string) {
		s.edit(func(tx *bolt.Tx) error {
			rb := tx.Bucket([]byte("records"))
			for _, a := range aliases {
				k := recordKeyOf(t, tx, a)
				if err := rb.Put(k, backDated(t, rb.Get(k), time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC))); err != nil {
					return err
				}
			}
			return nil
		})
	}
	for _, victims := range [][]string{{s.customer}, {s.customer, second}} {
		backdate(victims...)
		before := mustRead(t, s.vault)
		for _, args := range [][]string{{"purge", "--apply", "--rules", s.rules}, {"purge", "--rules", s.rules}, {"check", "--metadata-only"}} {
			code, out, errs := s.run("", args...)
			if code != exitIntegrity || !strings.Contains(errs, "records bucket") || !strings.Contains(errs, "back-dated") || !strings.Contains(errs, "hint:") {
				t.Fatalf("%v after %d back-dated: exit %d, want %d naming the records bucket: %s%s", args, len(victims), code, exitIntegrity, out, errs)
			}
			if args[0] == "purge" && (!strings.Contains(errs, "nothing was changed") || strings.Contains(out, "erased")) {
				t.Fatalf("%v: %s%s", args, out, errs)
			}
			if strings.Contains(out+errs, "Ada") || strings.Contains(out+errs, "Marina") || strings.Contains(out+errs, "Kings") {
				t.Fatalf("%v shows customer data: %s", args, errs)
			}
		}
		if after := mustRead(t, s.vault); !bytes.Equal(before, after) {
			t.Fatal("the vault file changed")
		}
	}
	if code, out, errs := s.run(s.owner, "check"); code != exitIntegrity || !strings.Contains(errs, "records bucket") {
		t.Fatalf("the owner's check: exit %d: %s%s", code, out, errs)
	}
}

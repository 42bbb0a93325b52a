package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// entry is one key of one bucket, found by walking the file with bbolt and
// no knowledge of the format. A nil value is a nested bucket.
type entry struct {
	path  []string // bucket names, outermost first
	key   []byte
	value []byte
}

func (e entry) id() string {
	return fmt.Sprintf("%q/%x", e.path, e.key)
}

func walkEntries(t *testing.T, file string) map[string]entry {
	t.Helper()
	db, err := bolt.Open(file, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { must(t, db.Close()) }()
	out := map[string]entry{}
	var walk func(path []string, b *bolt.Bucket) error
	walk = func(path []string, b *bolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			e := entry{path: path, key: bytes.Clone(k), value: bytes.Clone(v)}
			out[e.id()] = e
			if v == nil {
				return walk(append(append([]string{}, path...), string(k)), b.Bucket(k))
			}
			return nil
		})
	}
	err = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			return walk([]string{string(name)}, b)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// mutation changes one entry of the file.
type mutation struct {
	what   string
	target entry
	fn     func(tx *bolt.Tx) error
}

func bucketAt(tx *bolt.Tx, path []string) *bolt.Bucket {
	b := tx.Bucket([]byte(path[0]))
	for _, p := range path[1:] {
		if b == nil {
			return nil
		}
		b = b.Bucket([]byte(p))
	}
	return b
}

func deleteEntry(b *bolt.Bucket, e entry) error {
	if e.value == nil {
		return b.DeleteBucket(e.key)
	}
	return b.Delete(e.key)
}

func flipped(b []byte) []byte {
	c := bytes.Clone(b)
	c[len(c)/2] ^= 0x01
	return c
}

// mutations lists, for the final file, every single-entry change: delete
// each entry, flip a byte of its value and of its key, put back each
// earlier value it had, and put back each entry that existed earlier.
func mutations(final map[string]entry, history []map[string]entry) []mutation {
	var out []mutation
	at := func(e entry, fn func(b *bolt.Bucket) error) func(tx *bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			b := bucketAt(tx, e.path)
			if b == nil {
				return errors.New("bucket gone")
			}
			return fn(b)
		}
	}
	for _, id := range sortedIDs(final) {
		e := final[id]
		out = append(out, mutation{"delete " + id, e, at(e, func(b *bolt.Bucket) error { return deleteEntry(b, e) })})
		if e.value == nil {
			continue
		}
		if len(e.value) > 0 {
			out = append(out, mutation{"flip a value byte of " + id, e, at(e, func(b *bolt.Bucket) error { return b.Put(e.key, flipped(e.value)) })})
		}
		out = append(out, mutation{"flip a key byte of " + id, e, at(e, func(b *bolt.Bucket) error {
			if err := b.Delete(e.key); err != nil {
				return err
			}
			return b.Put(flipped(e.key), e.value)
		})})
		seen := map[string]bool{string(e.value): true}
		for i, snap := range history {
			old, ok := snap[id]
			if !ok || old.value == nil || seen[string(old.value)] {
				continue
			}
			seen[string(old.value)] = true
			out = append(out, mutation{fmt.Sprintf("put back snapshot %d's value of %s", i, id), e, at(e, func(b *bolt.Bucket) error { return b.Put(e.key, old.value) })})
		}
	}
	back := map[string]bool{}
	for i := len(history) - 1; i >= 0; i-- {
		for _, id := range sortedIDs(history[i]) {
			old := history[i][id]
			if _, ok := final[id]; ok || back[id] || old.value == nil {
				continue
			}
			back[id] = true
			out = append(out, mutation{fmt.Sprintf("put back snapshot %d's deleted entry %s", i, id), old, func(tx *bolt.Tx) error {
				b, err := tx.CreateBucketIfNotExists([]byte(old.path[0]))
				for _, p := range old.path[1:] {
					if err != nil {
						return err
					}
					b, err = b.CreateBucketIfNotExists([]byte(p))
				}
				if err != nil {
					return err
				}
				return b.Put(old.key, old.value)
			}})
		}
	}
	return out
}

func sortedIDs(m map[string]entry) []string {
	return slices.Sorted(maps.Keys(m))
}

// Issue 13: a sweep over every entry of a small vault with history, with no
// knowledge of the format. After each single-entry change (delete, flip a
// byte of the value or key, put back an earlier value or a deleted entry),
// check exits 7, or nothing the owner, a helper or cron can observe has
// changed.
func TestSingleEntrySweep(t *testing.T) {
	h := newCLIHarness(t)
	var history []map[string]entry
	snap := func() { history = append(history, walkEntries(t, h.vault)) }

	h.ok("", "init", "--identity-out", h.owner)
	snap()
	h.ok("", "--vault", filepath.Join(h.dir, "h.db"), "init", "--identity-out", h.helper)
	helperPub := publicKeyOf(t, h.helper)
	a := h.alias(h.ok(h.owner, "add", "--name", "Ada Obi", "--email", "ada@example.org", "--phone", "+234 803 555 0101", "--line1", "1 Marina", "--city", "Lagos", "--country", "NG", "--note", "gate code 4", "--json"))
	b := h.alias(h.ok(h.owner, "add", "--name", "Bo Bell", "--email", "bo@example.co.uk", "--city", "Leeds", "--country", "GB", "--json"))
	c := h.alias(h.ok(h.owner, "add", "--name", "Cy Old", "--city", "York", "--country", "GB", "--created", "2020-01-01", "--json"))
	d := h.alias(h.ok(h.owner, "add", "--name", "Di Gone", "--email", "di@example.de", "--country", "DE", "--json"))
	snap()
	h.ok(h.owner, "edit", a, "--note", "gate code 7")
	snap()
	h.ok(h.owner, "recipients", "add", helperPub, "--role", "shipping", "--name", "desk")
	snap()
	h.ok(h.helper, "ship", a, "--courier", "gig", "--ref", "ORD-1")
	snap()
	var issued struct {
		Alias string `json:"alias"`
	}
	must(t, json.Unmarshal([]byte(h.ok(h.owner, "alias", "issue", b, "--courier", "gig", "--json")), &issued))
	snap()
	h.ok(h.owner, "forget", d, "--yes")
	snap()
	h.ok("", "--vault", filepath.Join(h.dir, "t.db"), "init", "--identity-out", filepath.Join(h.dir, "temp.txt"))
	h.ok(h.owner, "recipients", "add", publicKeyOf(t, filepath.Join(h.dir, "temp.txt")), "--role", "support", "--name", "temp")
	snap()
	h.ok(h.owner, "recipients", "remove", "temp")
	snap()
	h.ok(h.owner, "settings", "--shop-name", "Mama Put", "--shop-contact", "privacy@example.org")
	snap()
	h.ok("", "purge", "--rules", h.rules, "--apply")
	snap()
	// The shipping helper writes while cron's purge statement waits: the
	// final file holds a chain of two statements (purge, then shipping).
	h.ok(h.helper, "ship", b, "--courier", "dhl", "--ref", "ORD-2")
	final := walkEntries(t, h.vault)
	if !hasBucket(final, "purges") {
		t.Fatal("no purge statements in the final file")
	}

	// What each person can observe, in a fixed order (reads append to the
	// access log, so later outputs see earlier reads).
	aliases := []string{a, b, c, d, issued.Alias}
	type look struct {
		identity string
		args     []string
	}
	var looks []look
	for _, al := range aliases {
		looks = append(looks, look{h.owner, []string{"show", al, "--json"}}, look{h.owner, []string{"alias", "list", al, "--json"}},
			look{h.helper, []string{"label", al, "--format", "text", "-o", "-"}})
	}
	looks = append(looks,
		look{h.owner, []string{"list", "--fields", "name,email,phone,note", "--json"}},
		look{h.owner, []string{"find", "--name", "ada obi", "--json"}},
		look{h.owner, []string{"find", "--email", "bo@example.co.uk", "--json"}},
		look{h.owner, []string{"recipients", "list", "--json"}},
		look{h.owner, []string{"settings"}},
		look{h.helper, []string{"manifest", "--json"}},
		look{"", []string{"purge", "--rules", h.rules, "--json"}},
		look{"", []string{"inventory", "--json"}},
		look{"", []string{"list", "--json"}},
		look{h.owner, []string{"audit", "list", "--json"}},
		look{h.owner, []string{"audit", "verify"}},
	)
	finalBytes, err := os.ReadFile(h.vault)
	if err != nil {
		t.Fatal(err)
	}
	stateDir := h.vars["XDG_STATE_HOME"]
	stateSnap := t.TempDir()
	if err := os.CopyFS(stateSnap, os.DirFS(stateDir)); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	h.now = h.now.Add(24 * time.Hour)
	// fresh puts the final file (changed by fn) and this machine's state
	// back as they were, so every run starts from the same place.
	fresh := func(fn func(tx *bolt.Tx) error) error {
		removeIfThere(t, h.vault+".lock")
		if err := os.WriteFile(h.vault, finalBytes, 0o600); err != nil {
			t.Fatal(err)
		}
		must(t, os.RemoveAll(stateDir))
		if err := os.CopyFS(stateDir, os.DirFS(stateSnap)); err != nil {
			t.Fatal(err)
		}
		if fn == nil {
			return nil
		}
		db, err := bolt.Open(h.vault, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { must(t, db.Close()) }()
		return db.Update(fn)
	}
	observe := func() []string {
		var out []string
		for _, l := range looks {
			code, stdout, stderr := h.run(l.identity, l.args...)
			out = append(out, fmt.Sprintf("%v: exit %d\n%s%s", l.args, code, stdout, stderr))
		}
		return out
	}
	must(t, fresh(nil))
	if code, _, errs := h.run(h.owner, "check"); code != 0 {
		t.Fatalf("check of the untouched vault: exit %d %s", code, errs)
	}
	must(t, fresh(nil))
	want := observe()

	ms := mutations(final, history)
	caught, unobservable := 0, 0
	var escaped []string
	for _, m := range ms {
		if err := fresh(m.fn); err != nil {
			t.Fatalf("%s: %v", m.what, err)
		}
		if code, _, _ := h.run(h.owner, "check"); code == exitIntegrity {
			caught++
			continue
		}
		must(t, fresh(m.fn))
		got := observe()
		same := true
		for i := range want {
			if got[i] != want[i] {
				same = false
				escaped = append(escaped, fmt.Sprintf("%s: check passed, but %s", m.what, firstLine(got[i])))
				break
			}
		}
		if same {
			unobservable++
		}
	}
	t.Logf("sweep: %d entries, %d single-entry changes: %d caught by check (exit 7), %d unobservable, %d escaped",
		len(final), len(ms), caught, unobservable, len(escaped))
	for _, e := range escaped {
		t.Error(e)
	}
}

func hasBucket(m map[string]entry, name string) bool {
	for _, e := range m {
		if e.path[0] == name {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

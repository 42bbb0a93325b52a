package vault

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"
)

func TestWitnessCheck(t *testing.T) {
	seen := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	w := &witness{Counter: 10, Head: "aa", Seen: seen}
	tests := []struct {
		name    string
		w       *witness
		counter uint64
		head    string
		want    string // "", "rollback" or "fork"
	}{
		{"never seen", nil, 1, "x", ""},
		{"same head", w, 10, "aa", ""},
		{"newer head", w, 11, "bb", ""},
		{"older head", w, 9, "cc", "rollback"},
		{"much older", w, 0, "", "rollback"},
		{"same counter, other head", w, 10, "bb", "fork"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.w.check(tt.counter, tt.head)
			var rb *RollbackError
			switch tt.want {
			case "":
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
			default:
				if !errors.As(err, &rb) || rb.Fork != (tt.want == "fork") || !errors.Is(err, ErrIntegrity) {
					t.Fatalf("got %v, want a %s", err, tt.want)
				}
				if rb.Error() == "" {
					t.Fatal("empty message")
				}
			}
		})
	}
}

func TestWitnessAdvance(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	w, changed := (*witness)(nil).advance(3, "aa", now)
	if !changed || w.Counter != 3 || w.Head != "aa" || !w.Seen.Equal(now) {
		t.Fatalf("first advance: %+v %v", w, changed)
	}
	if _, changed := w.advance(3, "aa", now.Add(time.Hour)); changed {
		t.Fatal("the same head rewrote the witness")
	}
	if w2, changed := w.advance(2, "zz", now); changed || w2 != w {
		t.Fatal("an older head moved the witness back")
	}
	if w2, changed := w.advance(4, "bb", now); !changed || w2.Counter != 4 {
		t.Fatalf("a newer head did not move the witness: %+v", w2)
	}
}

// witnessFile is a witness file in slots holding ws, slot by slot (nil:
// an empty slot).
func witnessFile(t testing.TB, ws ...*witness) []byte {
	t.Helper()
	var out []byte
	for _, w := range ws {
		if w == nil {
			out = append(out, append([]byte(strings.Repeat(" ", witnessSlotSize-1)), '\n')...)
			continue
		}
		slot, err := w.encodeSlot()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, slot...)
	}
	return out
}

func TestWitnessRoundTrip(t *testing.T) {
	w := &witness{Counter: 7, Head: "0123", Seen: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)}
	older := &witness{Counter: 6, Head: "3210", Seen: time.Date(2026, 1, 1, 3, 4, 5, 0, time.UTC)}
	for _, tc := range []struct {
		name     string
		raw      []byte
		want     *witness
		wantSlot int
	}{
		{"slot 0 only", witnessFile(t, w, nil), w, 0},
		{"newest in slot 1", witnessFile(t, older, w), w, 1},
		{"newest in slot 0", witnessFile(t, w, older), w, 0},
		// as written before issue 16 (witness.encode, JSON)
		{"JSON", []byte(`{"counter":7,"head":"0123","seen":"2026-01-02T03:04:05.000000006Z"}`), w, -1},
		{"empty", nil, nil, -1},
		{"null", []byte("null"), nil, -1},
	} {
		got, slot, err := decodeWitness(tc.raw)
		if err != nil || slot != tc.wantSlot || (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
			t.Errorf("%s: %+v slot %d %v, want %+v slot %d", tc.name, got, slot, err, tc.want, tc.wantSlot)
		}
	}
	corrupt := witnessFile(t, w, nil)
	corrupt[30] ^= 1
	for name, raw := range map[string][]byte{"{": []byte("{"), "counter not a number": []byte(`{"counter":"x"}`),
		"no head": []byte(`{"counter":1}`), "[]": []byte("[]"), "two empty slots": witnessFile(t, nil, nil),
		"the only slot corrupt": corrupt, "short": witnessFile(t, w)} {
		if _, _, err := decodeWitness(raw); !errors.Is(err, ErrIntegrity) {
			t.Errorf("%s: %v, want an integrity error", name, err)
		}
	}
	if _, err := (&witness{Counter: 1, Head: "a b"}).encodeSlot(); err == nil {
		t.Error("a head with a space was encoded")
	}
}

// A crash while a slot is written leaves the other slot, the head before:
// the witness reads older (weaker), never undecodable (which would refuse
// a good vault).
func TestWitnessTornWriteKeepsTheHeadBefore(t *testing.T) {
	before := &witness{Counter: 41, Head: strings.Repeat("a", 64), Seen: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	next := &witness{Counter: 42, Head: strings.Repeat("b", 64), Seen: time.Date(2026, 11, 23, 9, 1, 0, 0, time.UTC)}
	old := witnessFile(t, before, nil)
	done := witnessFile(t, before, next)
	for cut := witnessSlotSize; cut <= 2*witnessSlotSize; cut += 8 {
		torn := append(append([]byte{}, done[:cut]...), old[cut:]...)
		got, _, err := decodeWitness(torn)
		if err != nil || got == nil {
			t.Fatalf("torn at %d: %v", cut, err)
		}
		// the new slot counts once all its text is written (the rest is padding)
		if want := map[bool]uint64{true: 42, false: 41}[string(torn) == string(done)]; got.Counter != want {
			t.Fatalf("torn at %d: counter %d, want %d", cut, got.Counter, want)
		}
	}
}

func FuzzDecodeWitness(f *testing.F) {
	f.Add([]byte(`{"counter":7,"head":"0123","seen":"2026-01-02T03:04:05Z"}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"counter":18446744073709551615,"head":"a"}`))
	f.Add(witnessFile(f, &witness{Counter: 3, Head: "ab", Seen: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}, nil))
	f.Fuzz(func(t *testing.T, raw []byte) {
		w, _, err := decodeWitness(raw)
		if err != nil || w == nil {
			return
		}
		slot, err := w.encodeSlot()
		if err != nil {
			return // a JSON head no slot can hold (never written by shopvault)
		}
		again, _, err := decodeWitness(append(slot, witnessFile(t, nil)...))
		if err != nil || again.Counter != w.Counter || again.Head != w.Head || !again.Seen.Equal(w.Seen) {
			t.Fatalf("re-encoding changed the witness: %+v -> %+v (%v)", w, again, err)
		}
	})
}

// Issue 13 item 4: every write moves this machine's witness to the head it
// signed; putting back an older copy of the whole file, or a copy another
// machine wrote to from an older state (a fork), is refused on open.
func TestWitnessCatchesWholeFileRollback(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	mustAdd(t, v, sampleCustomer(1))
	old, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, v, sampleCustomer(2))
	counter := v.head.Counter
	w, err := v.loadWitness()
	if err != nil || w == nil || w.Counter != counter {
		t.Fatalf("witness after writes: %+v %v, want counter %d", w, err, counter)
	}
	newer := mustRead(t, f.path)
	must(t, v.Close())

	must(t, os.WriteFile(f.path, old, 0o600))
	var rb *RollbackError
	for name, opts := range map[string]Options{"owner": f.opts([]age.Identity{f.owner}), "keyless": f.opts(nil)} {
		if _, err := Open(f.path, opts); !errors.As(err, &rb) || rb.Fork || !errors.Is(err, ErrIntegrity) {
			t.Fatalf("%s open of an older copy: %v, want a rollback error", name, err)
		}
	}
	// another machine (its own state) writes to the older copy: a fork
	other := *f
	other.state = t.TempDir()
	o, err := Open(f.path, other.opts([]age.Identity{f.owner}))
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, o, sampleCustomer(3))
	if o.head.Counter != counter {
		t.Fatalf("the fork is at write %d, want %d", o.head.Counter, counter)
	}
	must(t, o.Close())
	if _, err := Open(f.path, f.opts([]age.Identity{f.owner})); !errors.As(err, &rb) || !rb.Fork {
		t.Fatalf("open of a fork: %v, want a fork error", err)
	}
	// the file this machine saw opens again, and restore may open the others
	must(t, os.WriteFile(f.path, newer, 0o600))
	v = f.open(t)
	must(t, v.Close())
	must(t, os.WriteFile(f.path, old, 0o600))
	restoring := f.opts([]age.Identity{f.owner})
	restoring.Restoring = true
	r, err := Open(f.path, restoring)
	if err != nil {
		t.Fatalf("restore cannot open the rolled-back file it is to replace: %v", err)
	}
	must(t, r.Close())
}

// A format-3 vault cannot be read as an unauthenticated older format: its
// format entry changed (found by the sweep), or its signed state stripped
// on a machine that saw it as format 3.
func TestDowngradeRefused(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	mustAdd(t, v, sampleCustomer(1))
	must(t, v.Close())
	good := mustRead(t, f.path)
	edits := map[string]func(tx *bolt.Tx) error{
		"format entry says 2": func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put(mFormat, []byte(format2)) },
		"signed state stripped": func(tx *bolt.Tx) error {
			if err := tx.Bucket(bMeta).Put(mFormat, []byte(format2)); err != nil {
				return err
			}
			if err := tx.DeleteBucket(bPolicy); err != nil {
				return err
			}
			return tx.Bucket(bMeta).Delete(mHead)
		},
	}
	for name, edit := range edits {
		t.Run(name, func(t *testing.T) {
			must(t, os.WriteFile(f.path, good, 0o600))
			db, err := bolt.Open(f.path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Update(edit); err != nil {
				t.Fatal(err)
			}
			must(t, db.Close())
			for who, opts := range map[string]Options{"owner": f.opts([]age.Identity{f.owner}), "keyless": f.opts(nil)} {
				for _, ro := range []bool{false, true} {
					opts.ReadOnly = ro
					if v, err := Open(f.path, opts); !errors.Is(err, ErrIntegrity) {
						if v != nil {
							must(t, v.Close())
						}
						t.Fatalf("%s (read-only %v) opened a downgraded vault: %v", who, ro, err)
					}
				}
			}
		})
	}
}

// Issue 16: a write updates the witness file in place (same inode, no temp
// file and rename); a JSON witness written before is read, then replaced
// by one in slots at the next write.
func TestWitnessWrittenInPlace(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	defer func() { must(t, v.Close()) }()
	mustAdd(t, v, sampleCustomer(1))
	p := v.witnessPath()
	before, err := os.Stat(p)
	if err != nil || before.Size() != 2*witnessSlotSize {
		t.Fatalf("witness file after a write: %v %v", before, err)
	}
	for i := 2; i < 5; i++ {
		mustAdd(t, v, sampleCustomer(i))
		after, err := os.Stat(p)
		if err != nil || !os.SameFile(before, after) || after.Size() != 2*witnessSlotSize {
			t.Fatalf("write %d replaced the witness file or changed its size: %v", i, err)
		}
		if w, err := v.loadWitness(); err != nil || w.Counter != v.head.Counter {
			t.Fatalf("write %d: witness %+v %v, want counter %d", i, w, err, v.head.Counter)
		}
	}

	// a JSON witness, as shopvault wrote before issue 16, in its own file
	legacy := fmt.Sprintf(`{"counter":%d,"head":"%s","seen":"2026-11-22T10:00:00Z"}`, v.head.Counter, headHash(t, v))
	if err := os.WriteFile(v.legacyWitnessPath(), []byte(legacy), 0o600); err != nil || os.Remove(p) != nil {
		t.Fatal(err)
	}
	mustAdd(t, v, sampleCustomer(9))
	w, slot, err := v.readWitness()
	if err != nil || w.Counter != v.head.Counter || slot != 0 {
		t.Fatalf("after a JSON witness: %+v slot %d %v, want counter %d in slot 0", w, slot, err, v.head.Counter)
	}
	if data := mustRead(t, v.legacyWitnessPath()); string(data) != legacy {
		t.Errorf("the JSON witness an older shopvault reads was changed: %q", data)
	}
	// and a JSON witness still catches a rollback
	ahead := fmt.Sprintf(`{"counter":%d,"head":"%s","seen":"2026-11-22T10:00:00Z"}`, v.head.Counter+5, headHash(t, v))
	must(t, v.Close())
	if err := os.WriteFile(v.legacyWitnessPath(), []byte(ahead), 0o600); err != nil || os.Remove(p) != nil {
		t.Fatal(err)
	}
	var rb *RollbackError
	if _, err := Open(f.path, f.opts([]age.Identity{f.owner})); !errors.As(err, &rb) {
		t.Fatalf("open behind a JSON witness: %v, want a rollback error", err)
	}
}

func headHash(t *testing.T, v *Vault) string {
	t.Helper()
	_, hash, ok, err := v.headPoint()
	if err != nil || !ok {
		t.Fatalf("head: %v %v", ok, err)
	}
	return hash
}

// A witness path that is a link is never written through (atomicfile's
// rule): the slot write refuses it, as does the whole-file write.
func TestWitnessSlotNotWrittenThroughALink(t *testing.T) {
	dir := t.TempDir()
	w := &witness{Counter: 2, Head: "ab", Seen: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	data := witnessFile(t, w, nil)
	target, link := dir+"/elsewhere", dir+"/v.witness2"
	if err := os.WriteFile(target, data, 0o600); err != nil || os.Symlink(target, link) != nil {
		t.Fatal("cannot plant the link")
	}
	next, _ := (&witness{Counter: 3, Head: "cd", Seen: w.Seen}).encodeSlot()
	if err := writeWitnessSlot(link, 1, next); err == nil {
		t.Error("a slot was written through a link")
	}
	if after := mustRead(t, target); string(after) != string(data) {
		t.Error("the link's target changed")
	}
	if err := writeWitnessSlot(target, 1, next); err != nil {
		t.Fatalf("the regular file: %v", err)
	}
	if got, slot, err := decodeWitness(mustRead(t, target)); err != nil || got.Counter != 3 || slot != 1 {
		t.Errorf("after the slot write: %+v slot %d %v", got, slot, err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

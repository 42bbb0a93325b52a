package vault

import (
	"encoding/json"
	"errors"
	"os"
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

func TestWitnessRoundTrip(t *testing.T) {
	w := &witness{Counter: 7, Head: "0123", Seen: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	got, err := decodeWitness(w.encode())
	if err != nil || *got != *w {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	for _, raw := range []string{"", "null"} {
		if got, err := decodeWitness(json.RawMessage(raw)); got != nil || err != nil {
			t.Fatalf("%q: %+v %v", raw, got, err)
		}
	}
	for _, raw := range []string{"{", `{"counter":"x"}`, `{"counter":1}`, "[]"} {
		if _, err := decodeWitness(json.RawMessage(raw)); !errors.Is(err, ErrIntegrity) {
			t.Fatalf("%q: %v, want an integrity error", raw, err)
		}
	}
}

func FuzzDecodeWitness(f *testing.F) {
	f.Add([]byte(`{"counter":7,"head":"0123","seen":"2026-01-02T03:04:05Z"}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"counter":18446744073709551615,"head":"a"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		w, err := decodeWitness(raw)
		if err != nil {
			return
		}
		if w == nil {
			return
		}
		again, err := decodeWitness(w.encode())
		if err != nil || again.Counter != w.Counter || again.Head != w.Head {
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
	newer, _ := os.ReadFile(f.path)
	v.Close()

	os.WriteFile(f.path, old, 0o600)
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
	o.Close()
	if _, err := Open(f.path, f.opts([]age.Identity{f.owner})); !errors.As(err, &rb) || !rb.Fork {
		t.Fatalf("open of a fork: %v, want a fork error", err)
	}
	// the file this machine saw opens again, and restore may open the others
	os.WriteFile(f.path, newer, 0o600)
	v = f.open(t)
	v.Close()
	os.WriteFile(f.path, old, 0o600)
	restoring := f.opts([]age.Identity{f.owner})
	restoring.Restoring = true
	r, err := Open(f.path, restoring)
	if err != nil {
		t.Fatalf("restore cannot open the rolled-back file it is to replace: %v", err)
	}
	r.Close()
}

// A format-3 vault cannot be read as an unauthenticated older format: its
// format entry changed (found by the sweep), or its signed state stripped
// on a machine that saw it as format 3.
func TestDowngradeRefused(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	mustAdd(t, v, sampleCustomer(1))
	v.Close()
	good, _ := os.ReadFile(f.path)
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
			os.WriteFile(f.path, good, 0o600)
			db, err := bolt.Open(f.path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Update(edit); err != nil {
				t.Fatal(err)
			}
			db.Close()
			for who, opts := range map[string]Options{"owner": f.opts([]age.Identity{f.owner}), "keyless": f.opts(nil)} {
				for _, ro := range []bool{false, true} {
					opts.ReadOnly = ro
					if v, err := Open(f.path, opts); !errors.Is(err, ErrIntegrity) {
						if v != nil {
							v.Close()
						}
						t.Fatalf("%s (read-only %v) opened a downgraded vault: %v", who, ro, err)
					}
				}
			}
		})
	}
}

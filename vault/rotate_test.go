package vault

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strconv"
	"testing"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"
)

// Issue 6: rotate a 5,000-customer vault, stop it mid-way, then run again:
// every record reads at every point, nothing is lost, old versions are gone.
func TestRotationResumesAfterCrash(t *testing.T) {
	n := 5000
	if testing.Short() {
		n = 600
	}
	f, aliases := newFixtureWithCustomers(t, n)

	o := f.opts(nil)
	o.Identities = []age.Identity{f.owner}
	o.BatchSize = 250
	o.crashAfterBatches = 3
	v, err := Open(f.path, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Rotate(AllGroups); !errors.Is(err, ErrCrashHook) {
		t.Fatalf("rotate with crash hook: %v", err)
	}
	must(t, v.db.Close()) // as if killed: no cleanup, lock released by the OS
	v.db = nil
	v.lock.release()

	// mid-rotation, a keyless or read-only session still reads everything
	r, err := Open(f.path, Options{Now: f.clock.now, Rand: f.rand, Identities: o.Identities, ReadOnly: true, StateDir: f.state})
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := r.pendingRotation(); p == nil || p.Done != 750 {
		t.Fatalf("pending rotation: %+v", p)
	}
	if _, err := r.Check(false); err != nil {
		t.Fatalf("check mid-rotation: %v", err)
	}
	found, err := r.List(ListFilter{})
	if err != nil || len(found) != n {
		t.Fatalf("list mid-rotation: %d %v", len(found), err)
	}
	must(t, r.Close())

	// any owner write finishes it; every record reads after
	v = f.open(t)
	if p, err := v.pendingRotation(); err != nil || p != nil {
		t.Fatalf("rotation still pending after an owner open: %+v %v", p, err)
	}
	for i, a := range []string{aliases[0], aliases[n/2], aliases[n-1]} {
		c, err := v.Show(a, nil)
		if err != nil || c.Fields["note"] == "" {
			t.Fatalf("record %d after rotation: %v", i, err)
		}
	}
	if got, err := v.Find(FindQuery{Email: "NGOZI7@example.ng"}); err != nil || len(got) != 1 {
		t.Fatalf("find after rotation: %v %v", got, err)
	}
	res, err := v.Check(false)
	if err != nil || res.Records != n {
		t.Fatalf("check after rotation: %+v %v", res, err)
	}
	wantOnlyKeyVersion(t, v, 2)
	if _, err := v.AuditVerify(); err != nil {
		t.Fatalf("audit after rotation: %v", err)
	}
	must(t, v.Close())
}

// Issue 17 item 5: a rotation told to stop (Ctrl-C) stops after a committed
// batch, says how far it got, every record still reads, and the next
// rotation finishes it.
func TestRotationStopsWhenAsked(t *testing.T) {
	f, aliases := newFixtureWithCustomers(t, 300)

	stop := make(chan struct{})
	close(stop)
	o := f.opts([]age.Identity{f.owner})
	o.BatchSize = 100
	o.Stop = stop
	v, err := Open(f.path, o)
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Rotate(AllGroups)
	var ie *InterruptedError
	if !errors.As(err, &ie) || !errors.Is(err, ErrInterrupted) || ie.Done != 100 || ie.Total != 300 {
		t.Fatalf("stopped rotation: %v, want interrupted after 100 of 300", err)
	}
	if p, _ := v.pendingRotation(); p == nil || p.Done != 100 {
		t.Fatalf("progress after the stop: %+v, want 100 done", p)
	}
	for _, a := range []string{aliases[0], aliases[299]} {
		if _, err := v.Show(a, nil); err != nil {
			t.Fatalf("mid-rotation read of %s: %v", a, err)
		}
	}
	must(t, v.Close())

	// (an owner's reads above are writes to the access log, and may
	// already have finished it)
	v = f.open(t)
	defer func() { must(t, v.Close()) }()
	if _, err := v.Rotate([]Group{GroupShipping}); err != nil {
		t.Fatalf("next rotation: %v", err)
	}
	if p, err := v.pendingRotation(); err != nil || p != nil {
		t.Fatalf("rotation still pending: %+v %v", p, err)
	}
}

// A rotation killed while it writes the new index version (every record
// already re-sealed) leaves a vault that reads and finds every customer
// and passes check; the owner's next open finishes it with every index
// entry in place and the old versions gone.
func TestRotationResumesDuringIndexWrite(t *testing.T) {
	const n = 600
	f, aliases := newFixtureWithCustomers(t, n)

	o := f.opts([]age.Identity{f.owner})
	o.BatchSize = 250
	o.crashAfterIndexChunks = 3
	v, err := Open(f.path, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Rotate(AllGroups); !errors.Is(err, ErrCrashHook) {
		t.Fatalf("rotate with crash hook: %v", err)
	}
	must(t, v.db.Close())
	v.db = nil
	v.lock.release()

	r, err := Open(f.path, Options{Now: f.clock.now, Rand: f.rand, Identities: o.Identities, ReadOnly: true, StateDir: f.state})
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := r.pendingRotation(); p == nil || p.Done != n {
		t.Fatalf("pending rotation: %+v, want every record done", p)
	}
	if res, err := r.Check(false); err != nil || len(res.Problems) != 0 {
		t.Fatalf("check while the index is half written: %+v %v", res, err)
	}
	must(t, r.Close())

	v = f.open(t)
	defer func() { must(t, v.Close()) }()
	if p, err := v.pendingRotation(); err != nil || p != nil {
		t.Fatalf("rotation still pending after an owner open: %+v %v", p, err)
	}
	for _, i := range []int{0, n / 2, n - 1} {
		got, err := v.Find(FindQuery{Email: "ngozi" + strconv.Itoa(i) + "@example.ng"})
		if err != nil || len(got) != 1 || got[0].Alias != aliases[i] {
			t.Fatalf("find customer %d after rotation: %v %v", i, got, err)
		}
	}
	res, err := v.Check(false)
	if err != nil || len(res.Problems) != 0 || res.IndexEntries != 3*n {
		t.Fatalf("check after rotation: %+v %v", res, err)
	}
	wantOnlyKeyVersion(t, v, 2)
}

// Format 1 kept a record's sealed value in the fields bucket: a rotation
// re-seals it into the record's value and leaves none apart.
func TestRotationMovesFormat1SealedValues(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	var aliases []string
	for i := range 3 {
		a, err := v.Add(sampleCustomer(i))
		if err != nil {
			t.Fatal(err)
		}
		aliases = append(aliases, a)
	}
	if err := v.db.Update(rewriteAsFormat1); err != nil {
		t.Fatal(err)
	}
	must(t, v.Close())
	must(t, os.RemoveAll(f.state)) // see TestFormat1VaultStillOpens

	v = f.open(t)
	defer func() { must(t, v.Close()) }()
	must(t, v.view(func(tx *bolt.Tx) error {
		if n := tx.Bucket(bFields).Stats().KeyN; n != 3 {
			t.Errorf("%d sealed values apart before the rotation, want 3", n)
		}
		return nil
	}))
	if _, err := v.Rotate(AllGroups); err != nil {
		t.Fatal(err)
	}
	for i, a := range aliases {
		c, err := v.Show(a, []string{"name", "email", "note"})
		want := sampleCustomer(i).Fields
		if err != nil || c.Fields["name"] != want["name"] || c.Fields["email"] != want["email"] || c.Fields["note"] != want["note"] {
			t.Fatalf("customer %d after rotating a format-1 vault: %v %v", i, c.Fields, err)
		}
		if got, err := v.Find(FindQuery{Email: want["email"]}); err != nil || len(got) != 1 {
			t.Fatalf("find customer %d: %v %v", i, got, err)
		}
	}
	must(t, v.view(func(tx *bolt.Tx) error {
		if n := tx.Bucket(bFields).Stats().KeyN; n != 0 {
			t.Errorf("%d sealed values still apart after the rotation", n)
		}
		return nil
	}))
	if res, err := v.Check(false); err != nil || len(res.Problems) != 0 || res.IndexEntries != 9 {
		t.Fatalf("check after rotation: %+v %v", res, err)
	}
}

// wantOnlyKeyVersion checks that every group holds version ver and no other.
func wantOnlyKeyVersion(t *testing.T, v *Vault, ver uint32) {
	t.Helper()
	err := v.view(func(tx *bolt.Tx) error {
		for _, g := range AllGroups {
			if vers := keyVersions(tx, g); len(vers) != 1 || vers[0] != ver {
				t.Errorf("group %s has versions %v, want only %d", g, vers, ver)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// After a keyless purge the signed sums are stale until a person's write
// re-sums them; a rotation that starts then (its first transaction
// re-sums, the batches after it add the tags their workers computed) keeps
// sums that check recounts, mid-way and at the end.
func TestRotationAfterKeylessPurgeKeepsSums(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	for i := range 40 {
		c := sampleCustomer(i)
		if i%4 == 0 {
			c.Created = f.clock.t.AddDate(-3, 0, 0)
		}
		mustAdd(t, v, c)
	}
	must(t, v.Close())
	rules, err := ParseRules([]byte(ExampleRules))
	if err != nil {
		t.Fatal(err)
	}
	k := f.openKeyless(t)
	if res, err := k.Purge(rules); err != nil || res.Erased != 10 {
		t.Fatalf("purge: %+v %v", res, err)
	}
	must(t, k.Close())

	o := f.opts([]age.Identity{f.owner})
	o.BatchSize = 7
	o.crashAfterBatches = 2
	v, err = Open(f.path, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Rotate(AllGroups); !errors.Is(err, ErrCrashHook) {
		t.Fatalf("rotate with crash hook: %v", err)
	}
	must(t, v.db.Close())
	v.db = nil
	v.lock.release()
	r, err := Open(f.path, Options{Now: f.clock.now, Rand: f.rand, Identities: o.Identities, ReadOnly: true, StateDir: f.state})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := r.Check(false); err != nil || len(res.Problems) != 0 || len(res.Hints) != 0 {
		t.Fatalf("check mid-rotation: %+v %v", res, err)
	}
	must(t, r.Close())
	v = f.open(t)
	defer func() { must(t, v.Close()) }()
	if res, err := v.Check(false); err != nil || len(res.Problems) != 0 || len(res.Hints) != 0 || res.Records != 30 {
		t.Fatalf("check after rotation: %+v %v", res, err)
	}
}

// sortedIndexEntries orders as bytes.Compare does, which is bbolt's order,
// also where the first eight bytes tie.
func TestSortedIndexEntriesIsByteOrder(t *testing.T) {
	var keys []indexEntry
	for _, c := range []struct{ at, val int }{{0, 1}, {0, 2}, {7, 1}, {7, 2}, {8, 1}, {8, 2}, {20, 1}, {20, 2}, {3, 2}, {19, 1}, {0, 0}, {20, 0}} {
		var e indexEntry
		e[c.at] = byte(c.val)
		keys = append(keys, e)
	}
	want := slices.Clone(keys)
	slices.SortFunc(want, func(a, b indexEntry) int { return bytes.Compare(a[:], b[:]) })
	for i, o := range sortedIndexEntries(keys) {
		if keys[o.at] != want[i] {
			t.Fatalf("place %d: %x, want %x", i, keys[o.at], want[i])
		}
	}
}

package vault

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"
)

// newFixtureWithImportTail is a fixture vault an import of 40 rows
// crashed in, in batches of 5 with index entries every 10 rows: 25 rows
// committed, the last 5 an unindexed tail.
func newFixtureWithImportTail(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	o := f.opts([]age.Identity{f.owner})
	o.ImportBatchSize, o.tailRows, o.crashAfterBatches = 5, 10, 5
	v, err := Open(f.path, o)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := NewRowReader(strings.NewReader(tailCSV(40)), "", nil)
	if _, err := v.Import(rows, ImportOptions{}); !errors.Is(err, ErrCrashHook) {
		t.Fatalf("import: %v", err)
	}
	must(t, v.Close())
	return f
}

func tailCSV(n int) string {
	var b strings.Builder
	b.WriteString("name,email,phone,country\n")
	for i := range n {
		fmt.Fprintf(&b, "Customer %d,c%d@example.com,+44 20 7946 %04d,GB\n", i, i, i)
	}
	return b.String()
}

// An import writes index and alias entries only every tailRows rows; a
// crash in between leaves a marked, unindexed tail that check explains
// read-only and any writable open completes, after which every customer
// is found and a rerun adds nothing.
func TestImportTailSurvivesACrash(t *testing.T) {
	f := newFixtureWithImportTail(t)

	// 25 committed; the first 20 written at the flush after 10 and 20
	// rows, the last 5 are the tail.
	ro := f.opts(nil)
	ro.ReadOnly = true
	v, err := Open(f.path, ro)
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.Check(true)
	if err != nil || res.Unindexed != 5 || len(res.Hints) != 0 {
		t.Fatalf("read-only check of the tail: %+v, %v", res, err)
	}
	var marked bool
	must(t, v.db.View(func(tx *bolt.Tx) error { marked = tx.Bucket(bMeta).Get(mUnindexed) != nil; return nil }))
	must(t, v.Close())
	if !marked {
		t.Fatal("no unindexed marker after the crash")
	}

	v = f.open(t) // a writable open completes the tail
	defer func() { must(t, v.Close()) }()
	if res, err := v.Check(false); err != nil || len(res.Problems) != 0 || len(res.Hints) != 0 || res.Unindexed != 0 || res.Records != 25 || res.IndexEntries != 75 {
		t.Fatalf("check after completing the tail: %+v, %v", res, err)
	}
	for _, i := range []int{0, 19, 20, 24} {
		found, err := v.Find(FindQuery{Email: fmt.Sprintf("c%d@example.com", i)})
		if err != nil || len(found) != 1 {
			t.Fatalf("customer %d: %v, %v", i, found, err)
		}
		if _, err := v.Show(found[0].Alias, []string{"name"}); err != nil {
			t.Fatalf("customer %d's alias: %v", i, err)
		}
	}
	rows, _ := NewRowReader(strings.NewReader(tailCSV(40)), "", nil)
	again, err := v.Import(rows, ImportOptions{})
	if err != nil || again.Added != 15 || again.Duplicates != 25 {
		t.Fatalf("rerun: %+v, %v", again, err)
	}
	if res, err := v.Check(false); err != nil || len(res.Problems) != 0 || res.Records != 40 || res.IndexEntries != 120 {
		t.Fatalf("check after the rerun: %+v, %v", res, err)
	}
}

// Duplicates of rows whose entries are still in the tail (earlier batches,
// not yet written) are found, by email and by phone and name.
func TestImportTailFindsDuplicatesAcrossBatches(t *testing.T) {
	f := newFixture(t)
	o := f.opts([]age.Identity{f.owner})
	o.ImportBatchSize, o.tailRows = 5, 100
	v, err := Open(f.path, o)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { must(t, v.Close()) }()
	csv := tailCSV(20) +
		"Someone Else,C3@EXAMPLE.COM,,GB\n" + // email of row 3, three batches back
		"Customer 7,,+44 20 7946 0007,GB\n" + // phone and name of row 7
		"Customer 8,,+44 20 7946 0007,GB\n" // same phone, other name: a household
	rows, _ := NewRowReader(strings.NewReader(csv), "", nil)
	res, err := v.Import(rows, ImportOptions{})
	if err != nil || res.Added != 21 || res.Duplicates != 2 {
		t.Fatalf("import: %+v, %v", res, err)
	}
	if res, err := v.Check(false); err != nil || len(res.Problems) != 0 || res.Records != 21 {
		t.Fatalf("check: %+v, %v", res, err)
	}
}

package vault

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestBucketSumAddSub(t *testing.T) {
	max := entryTag{}
	for i := range max {
		max[i] = 0xff
	}
	one := entryTag{15: 1}
	carry := entryTag{8: 0xff, 9: 0xff, 10: 0xff, 11: 0xff, 12: 0xff, 13: 0xff, 14: 0xff, 15: 0xff}
	tests := []struct {
		name string
		tags []entryTag
		want entryTag
	}{
		{"empty", nil, entryTag{}},
		{"one", []entryTag{one}, one},
		{"wraps mod 2^128", []entryTag{max, one}, entryTag{}},
		{"carries into the high half", []entryTag{carry, one}, entryTag{7: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s bucketSum
			for _, tg := range tc.tags {
				s.add(tg)
			}
			if s.Sum != tc.want || s.Count != uint64(len(tc.tags)) {
				t.Fatalf("sum %x count %d, want %x %d", s.Sum, s.Count, tc.want, len(tc.tags))
			}
			for i := len(tc.tags) - 1; i >= 0; i-- {
				s.sub(tc.tags[i])
			}
			if s != (bucketSum{}) {
				t.Fatalf("subtracting back left %x, %d", s.Sum, s.Count)
			}
		})
	}
}

// A tag binds bucket, key and value, and needs the state key.
func TestEntryTagBinds(t *testing.T) {
	k1, k2 := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	t1, _ := newTagger(k1, 1)
	t1v2, _ := newTagger(k1, 2)
	t2, _ := newTagger(k2, 1)
	base := t1.tag("aliases", []byte("K7QMPTXRZ"), []byte("entry"))
	others := map[string]entryTag{
		"another bucket":      t1.tag("shipments", []byte("K7QMPTXRZ"), []byte("entry")),
		"another key":         t1.tag("aliases", []byte("K7QMPTXRY"), []byte("entry")),
		"another value":       t1.tag("aliases", []byte("K7QMPTXRZ"), []byte("entrz")),
		"another state key":   t2.tag("aliases", []byte("K7QMPTXRZ"), []byte("entry")),
		"another key version": t1v2.tag("aliases", []byte("K7QMPTXRZ"), []byte("entry")),
		"bucket/key boundary": t1.tag("aliasesK", []byte("7QMPTXRZ"), []byte("entry")),
	}
	for name, tg := range others {
		if tg == base {
			t.Errorf("%s gives the same tag", name)
		}
	}
	if again := t1.tag("aliases", []byte("K7QMPTXRZ"), []byte("entry")); again != base {
		t.Error("the same entry tags differently")
	}
}

// The cost of one record's tag, with and without decoding its metadata
// (a re-sum decodes; putMeta knows the split).
func BenchmarkRecordTag(b *testing.B) {
	tg, _ := newTagger(bytes.Repeat([]byte{1}, 32), 1)
	m := &recordMeta{Alias: "K7QMPTXRZ", Fields: []string{"name", "email", "city"}, Index: map[string]string{"email": strings.Repeat("ab", 32)}, IndexVersion: 1,
		sealed: bytes.Repeat([]byte{7}, 260)}
	val := encodeMeta(m)
	key := bytes.Repeat([]byte{2}, idLen)
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			tg.tag("records", key, val)
		}
	})
	b.Run("split known", func(b *testing.B) {
		for b.Loop() {
			tg.mac.Tag("records", key, recordHash(val, len(val)-len(m.sealed)))
		}
	})
}

// The head's bucket sums decode only as written: a count and 16 bytes of
// hex, and what decodes encodes back the same.
func FuzzBucketSumJSON(f *testing.F) {
	for _, seed := range []string{`{"count":3,"sum":"000102030405060708090a0b0c0d0e0f"}`, `{"count":0,"sum":""}`, `{"count":-1,"sum":"00"}`, `{"sum":"zz"}`, `[]`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s bucketSum
		if s.UnmarshalJSON(data) != nil {
			return
		}
		out, err := s.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var back bucketSum
		if err := back.UnmarshalJSON(out); err != nil || back != s {
			t.Fatalf("%s -> %s -> %+v, %v", data, out, back, err)
		}
	})
}

// Issue 13: an interrupted import's tail is not finished by a keyless
// open (its alias entries are tagged and cron cannot tag or sign them): the
// file is left as it was, and the next person's open finishes it, tagged.
func TestKeylessOpenLeavesTheTail(t *testing.T) {
	f := newFixtureWithImportTail(t)
	before, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	k, err := Open(f.path, f.opts(nil)) // cron: writable, keyless
	if err != nil {
		t.Fatal(err)
	}
	must(t, k.Close())
	if after, _ := os.ReadFile(f.path); !bytes.Equal(before, after) {
		t.Fatal("a keyless open changed the file")
	}
	v := f.open(t)
	defer func() { must(t, v.Close()) }()
	res, err := v.Check(false)
	if err != nil || len(res.Hints) != 0 {
		t.Fatalf("check after the owner's open: %+v, %v", res, err)
	}
	mustAdd(t, v, sampleCustomer(99))
	if res, err := v.Check(false); err != nil || len(res.Hints) != 0 {
		t.Fatalf("check after the next write: %+v, %v", res, err)
	}
}

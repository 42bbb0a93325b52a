package vault

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/shopvault/shopvault/crypto"
)

// A bucket sum's count and sum go back to empty when its tags are taken
// away in another order, for both widths; a legacy (format 3) sum stays
// mod 2^128.
func TestBucketSumAddSub(t *testing.T) {
	tg, _ := newTagger(bytes.Repeat([]byte{1}, 32), 1)
	legacy, _ := newTagger(bytes.Repeat([]byte{1}, 32), 1)
	legacy.legacy = true
	for _, tc := range []struct {
		name string
		tg   *tagger
	}{{"4096-bit", tg}, {"format 3", legacy}} {
		t.Run(tc.name, func(t *testing.T) {
			var tags []entryTag
			for i := range 20 {
				tags = append(tags, tc.tg.tag("shipments", []byte{byte(i)}, []byte("entry")))
			}
			s := bucketSum{legacy: tc.tg.legacy}
			for _, e := range tags {
				s.add(e)
			}
			if s.Count != 20 {
				t.Fatalf("count %d", s.Count)
			}
			if tc.tg.legacy && s.Sum != crypto.TagSumFromLegacy(s.Sum.Legacy128()) {
				t.Fatal("a legacy sum has bits above 2^128")
			}
			for i := len(tags) - 1; i >= 0; i -= 2 {
				s.sub(tags[i])
			}
			for i := len(tags) - 2; i >= 0; i -= 2 {
				s.sub(tags[i])
			}
			if s != (bucketSum{legacy: tc.tg.legacy}) {
				t.Fatalf("subtracting back left %+v", s)
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
			tg.tagHash("records", key, recordHash(val, len(val)-len(m.sealed)))
		}
	})
}

// The head's bucket sums decode only as written: a count and 512 bytes of
// hex (16 in format 3), and what decodes encodes back the same.
func FuzzBucketSumJSON(f *testing.F) {
	for _, seed := range []string{`{"count":3,"sum":"000102030405060708090a0b0c0d0e0f"}`, `{"count":2,"sum":"` + strings.Repeat("0f", crypto.TagSumSize) + `"}`, `{"count":0,"sum":""}`, `{"count":-1,"sum":"00"}`, `{"sum":"zz"}`, `[]`} {
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
	if after := mustRead(t, f.path); !bytes.Equal(before, after) {
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

// The pool's sums (tags on one goroutine per core, in any order) are the
// ones computed inline, additions and subtractions alike, for both widths.
func TestTagPoolSumsAsInline(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		tg, _ := newTagger(bytes.Repeat([]byte{4}, 32), 2)
		tg.legacy = legacy
		p := newTagPool(tg)
		inline := map[string]*bucketSum{}
		for _, b := range taggedBuckets {
			inline[b] = &bucketSum{legacy: legacy}
		}
		for i := range 3000 {
			b := taggedBuckets[i%len(taggedBuckets)]
			key, val := []byte{byte(i), byte(i >> 8)}, []byte{byte(i * 7)}
			sub := i%5 == 0
			if sub {
				inline[b].sub(tg.tag(b, key, val))
			} else {
				inline[b].add(tg.tag(b, key, val))
			}
			if i%2 == 0 {
				p.add(tagJob{bucket: b, key: key, value: val, hashValue: true, sub: sub})
			} else {
				p.add(tagJob{bucket: b, key: key, hash: valueHash(b, val), sub: sub})
			}
		}
		partial := p.sums()
		for _, b := range taggedBuckets {
			got := bucketSum{Count: inline[b].Count, Sum: *partial[b], legacy: legacy}
			got.reduce()
			if got != *inline[b] {
				t.Errorf("legacy %v, %s: the pool's sum differs from the inline one", legacy, b)
			}
		}
	}
}

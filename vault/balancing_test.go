package vault

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"
)

// Issue 13 (entry sums): every person holds the state key, so a shipping
// insider can compute the tag of any value. Format 3 summed 128-bit tags:
// after back-dating a record (tag change d), the insider varies free bits
// of other records (here the nanoseconds of their `updated`) until the
// changes cancel d. That is Wagner's k-tree algorithm; on 128 bits it
// costs about 2^23 HMACs with 2^7 lists, seconds on a laptop. This test
// runs the same method on the low 32 bits with 4 lists of 2^12 variants
// (16,384 tags) and finds a balancing set, proving the method; then the
// 4096-bit sums of format 4 tell the balanced bucket from the signed one.
func TestInsiderBalancingOfSums(t *testing.T) {
	stateKey := bytes.Repeat([]byte{0x5e}, 32)
	legacy, err := newTagger(stateKey, 1)
	if err != nil {
		t.Fatal(err)
	}
	legacy.legacy = true
	adhash, _ := newTagger(stateKey, 1)

	base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	record := func(i int, updated time.Time) (key, value []byte) {
		key = make([]byte, idLen)
		binary.BigEndian.PutUint64(key, uint64(i+1))
		m := &recordMeta{Alias: "K7QMPTXR" + string(rune('A'+i)), Created: base, Updated: updated, LastActivity: updated, Fields: []string{"name", "city"}}
		return key, encodeMeta(m)
	}
	low32 := func(e entryTag) uint32 { return uint32(legacyLow64(e)) }

	// The signed bucket: the target record and four others.
	const lists, variants = 4, 1 << 12
	type entry struct{ key, value []byte }
	signed := []entry{}
	for i := range 1 + lists {
		k, v := record(i, base)
		signed = append(signed, entry{k, v})
	}
	// The insider back-dates record 0 by ten years: tag change d.
	k0, backdated := record(0, base.Add(-10*365*24*time.Hour))
	d := low32(legacy.tag("records", k0, backdated)) - low32(legacy.tag("records", k0, signed[0].value))

	// List j: for each variant of record j+1 (updated + n ns), its tag change.
	deltas := make([][]uint32, lists)
	for j := range lists {
		e := signed[j+1]
		was := low32(legacy.tag("records", e.key, e.value))
		deltas[j] = make([]uint32, variants)
		for n := range variants {
			_, v := record(j+1, base.Add(time.Duration(n+1)))
			deltas[j][n] = low32(legacy.tag("records", e.key, v)) - was
		}
	}
	choice, ok := wagner4(deltas, -d)
	if !ok {
		t.Fatal("k-tree balancing found no solution on 32 bits")
	}

	forged := []entry{{k0, backdated}}
	for j, n := range choice {
		_, v := record(j+1, base.Add(time.Duration(n+1)))
		forged = append(forged, entry{signed[j+1].key, v})
	}
	sumOf := func(tg *tagger, es []entry) bucketSum {
		s := bucketSum{legacy: tg.legacy}
		for _, e := range es {
			s.add(tg.tag("records", e.key, e.value))
		}
		return s
	}
	oldSigned, oldForged := sumOf(legacy, signed), sumOf(legacy, forged)
	if uint32(legacyLow64Sum(oldSigned)) != uint32(legacyLow64Sum(oldForged)) {
		t.Fatal("the balanced changes do not cancel on 32 bits")
	}
	if bytes.Equal(signed[1].value, forged[1].value) {
		t.Fatal("the forged bucket is the signed one")
	}
	if newSigned, newForged := sumOf(adhash, signed), sumOf(adhash, forged); newSigned == newForged {
		t.Fatal("the 4096-bit sums do not tell the balanced bucket from the signed one")
	}
}

// wagner4 finds one index per list whose values add up to target mod 2^32
// (Wagner 2002, k = 4): pairs of lists 0,1 and of lists 2,3 are joined on
// their low 12 bits summing to 0 and to target's, then the two pair lists
// on the rest.
func wagner4(l [][]uint32, target uint32) ([4]int, bool) {
	const mask = 1<<12 - 1
	type pair struct {
		sum  uint32
		a, b int
	}
	join := func(x, y []uint32, want uint32) []pair {
		byLow := map[uint32][]int{}
		for i, v := range x {
			byLow[v&mask] = append(byLow[v&mask], i)
		}
		var out []pair
		for j, v := range y {
			for _, i := range byLow[(want-v)&mask] {
				out = append(out, pair{x[i] + v, i, j})
			}
		}
		return out
	}
	left, right := join(l[0], l[1], 0), join(l[2], l[3], target)
	bySum := map[uint32]pair{}
	for _, p := range left {
		bySum[p.sum] = p
	}
	for _, q := range right {
		if p, ok := bySum[target-q.sum]; ok {
			return [4]int{p.a, p.b, q.a, q.b}, true
		}
	}
	return [4]int{}, false
}

// legacyLow64 is the low 64 bits of a format-3 tag.
func legacyLow64(e entryTag) uint64 {
	var s bucketSum
	s.Sum.Add(&e)
	return legacyLow64Sum(s)
}

func legacyLow64Sum(s bucketSum) uint64 {
	l := s.Sum.Legacy128()
	return binary.BigEndian.Uint64(l[8:])
}

package crypto

import (
	"bytes"
	"crypto/sha3"
	"encoding/binary"
	"math/big"
	"math/bits"
	"math/rand/v2"
	"testing"
)

var modulus = new(big.Int).Lsh(big.NewInt(1), 8*TagSumSize)

func (s *TagSum) bigInt() *big.Int { return new(big.Int).SetBytes(s.Bytes()) }

func tagFromBig(x *big.Int) EntryTag {
	var e EntryTag
	b := make([]byte, TagSumSize)
	new(big.Int).Mod(x, modulus).FillBytes(b)
	for i := range e.limbs {
		e.limbs[i] = binary.BigEndian.Uint64(b[TagSumSize-8*(i+1):])
	}
	return e
}

// Add and Sub are arithmetic mod 2^4096, carries and borrows crossing
// every limb, checked against math/big.
func TestTagSumArithmetic(t *testing.T) {
	allOnes := new(big.Int).Sub(modulus, big.NewInt(1))
	lowLimbOnes := new(big.Int).SetUint64(^uint64(0))
	tests := []struct {
		name string
		add  []*big.Int
		sub  []*big.Int
	}{
		{"nothing", nil, nil},
		{"one", []*big.Int{big.NewInt(1)}, nil},
		{"carry through every limb", []*big.Int{allOnes, big.NewInt(1)}, nil},
		{"carry into the second limb", []*big.Int{lowLimbOnes, big.NewInt(1)}, nil},
		{"borrow below zero", nil, []*big.Int{big.NewInt(1)}},
		{"borrow through every limb", []*big.Int{new(big.Int).Lsh(big.NewInt(1), 4095)}, []*big.Int{big.NewInt(1), allOnes}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s TagSum
			want := new(big.Int)
			for _, x := range tc.add {
				e := tagFromBig(x)
				s.Add(&e)
				want.Add(want, x)
			}
			for _, x := range tc.sub {
				e := tagFromBig(x)
				s.Sub(&e)
				want.Sub(want, x)
			}
			want.Mod(want, modulus)
			if got := s.bigInt(); got.Cmp(want) != 0 {
				t.Fatalf("sum %x, want %x", got, want)
			}
		})
	}
}

// The sum of a set does not depend on the order its tags are added in,
// subtracting them back in any order gives the empty sum, and the
// encoding round-trips.
func TestTagSumOrderInverseEncoding(t *testing.T) {
	tg, err := NewEntryTagger(bytes.Repeat([]byte{9}, 32), 1)
	if err != nil {
		t.Fatal(err)
	}
	var tags []EntryTag
	for i := range 200 {
		var h [32]byte
		h[0] = byte(i)
		tags = append(tags, tg.Tag("records", []byte{byte(i), byte(i >> 8)}, h))
	}
	r := rand.New(rand.NewPCG(1, 2))
	var forward TagSum
	for i := range tags {
		forward.Add(&tags[i])
	}
	for range 5 {
		var shuffled TagSum
		for _, i := range r.Perm(len(tags)) {
			shuffled.Add(&tags[i])
		}
		if !shuffled.Equal(&forward) {
			t.Fatal("the sum depends on the order of its tags")
		}
		for _, i := range r.Perm(len(tags)) {
			shuffled.Sub(&tags[i])
		}
		if !shuffled.Equal(&TagSum{}) {
			t.Fatal("subtracting every tag back does not give the empty sum")
		}
	}
	back, err := ParseTagSum(forward.Bytes())
	if err != nil || !back.Equal(&forward) {
		t.Fatalf("encoding does not round-trip: %v", err)
	}
	for _, n := range []int{0, LegacyTagSize, TagSumSize - 1, TagSumSize + 1} {
		if _, err := ParseTagSum(make([]byte, n)); err == nil {
			t.Errorf("a %d-byte sum parsed", n)
		}
	}
}

// A tag binds the bucket, key, value hash, state key and key version, and
// is not a truncation of the HMAC format 3 summed.
func TestEntryTagBindsAndExpands(t *testing.T) {
	k1, k2 := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	t1, _ := NewEntryTagger(k1, 1)
	t1v2, _ := NewEntryTagger(k1, 2)
	t2, _ := NewEntryTagger(k2, 1)
	h := [32]byte{7}
	base := t1.Tag("aliases", []byte("K7QMPTXRZ"), h)
	others := map[string]EntryTag{
		"another bucket":      t1.Tag("shipments", []byte("K7QMPTXRZ"), h),
		"another key":         t1.Tag("aliases", []byte("K7QMPTXRY"), h),
		"another value":       t1.Tag("aliases", []byte("K7QMPTXRZ"), [32]byte{8}),
		"another state key":   t2.Tag("aliases", []byte("K7QMPTXRZ"), h),
		"another key version": t1v2.Tag("aliases", []byte("K7QMPTXRZ"), h),
		"bucket/key boundary": t1.Tag("aliasesK", []byte("7QMPTXRZ"), h),
		"format 3's tag":      t1.LegacyTag("aliases", []byte("K7QMPTXRZ"), h),
	}
	for name, e := range others {
		if e == base {
			t.Errorf("%s gives the same tag", name)
		}
	}
	if again := t1.Tag("aliases", []byte("K7QMPTXRZ"), h); again != base {
		t.Error("the same entry tags differently")
	}
	// Every limb is expanded output, none left zero.
	for i, l := range base.limbs {
		if l == 0 {
			t.Errorf("limb %d of a tag is zero", i)
		}
	}
}

// LegacyTag summed and reduced by Legacy128 is format 3's arithmetic: the
// 16-byte HMAC tags as big-endian integers added mod 2^128.
func TestLegacySumIsFormat3s(t *testing.T) {
	tg, _ := NewEntryTagger(bytes.Repeat([]byte{3}, 32), 1)
	var s TagSum
	var hi, lo uint64
	for i := range 50 {
		h := [32]byte{byte(i)}
		e := tg.LegacyTag("tombstones", []byte{byte(i)}, h)
		s.Add(&e)
		mac := tg.hmacOf("tombstones", []byte{byte(i)}, h)
		var c uint64
		lo, c = bits.Add64(lo, binary.BigEndian.Uint64(mac[8:16]), 0)
		hi, _ = bits.Add64(hi, binary.BigEndian.Uint64(mac[:8]), c)
	}
	var want LegacySum
	binary.BigEndian.PutUint64(want[:8], hi)
	binary.BigEndian.PutUint64(want[8:], lo)
	if got := s.Legacy128(); got != want {
		t.Fatalf("legacy sum %x, format 3 computes %x", got, want)
	}
	back := TagSumFromLegacy(want)
	if back.Legacy128() != want {
		t.Fatal("a legacy sum does not round-trip")
	}
}

// A public element binds bucket, key and value hash, is not any keyed
// tag, and is SHAKE256 of the documented input read as a big-endian
// integer (docs/format.md, "Entry tags"), computed here independently.
func TestPublicEntryTag(t *testing.T) {
	pt := NewPublicEntryTagger()
	keyed, _ := NewEntryTagger(bytes.Repeat([]byte{1}, 32), 1)
	h := [32]byte{7}
	base := pt.Tag("records", []byte("id-1"), h)
	others := map[string]EntryTag{
		"another bucket":      pt.Tag("aliases", []byte("id-1"), h),
		"another key":         pt.Tag("records", []byte("id-2"), h),
		"another value":       pt.Tag("records", []byte("id-1"), [32]byte{8}),
		"bucket/key boundary": pt.Tag("recordsi", []byte("d-1"), h),
		"the keyed tag":       keyed.Tag("records", []byte("id-1"), h),
	}
	for name, e := range others {
		if e == base {
			t.Errorf("%s gives the same element", name)
		}
	}
	in := append([]byte("shopvault public entry tag 4096\x00records\x00id-1\x00"), h[:]...)
	var got TagSum
	got.Add(&base)
	want, err := ParseTagSum(sha3.SumSHAKE256(in, TagSumSize))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(&want) {
		t.Fatal("the public element is not SHAKE256 of the documented input")
	}
	if again := NewPublicEntryTagger().Tag("records", []byte("id-1"), h); again != base {
		t.Error("the same entry gives another element")
	}
}

func BenchmarkEntryTag(b *testing.B) {
	tg, _ := NewEntryTagger(bytes.Repeat([]byte{1}, 32), 1)
	key := bytes.Repeat([]byte{2}, 12)
	var s TagSum
	for b.Loop() {
		e := tg.Tag("records", key, [32]byte{})
		s.Add(&e)
	}
}

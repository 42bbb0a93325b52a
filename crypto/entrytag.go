package crypto

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha3"
	"encoding/binary"
	"errors"
	"hash"
	"math/bits"
	"strconv"
)

// TagSumSize is the length in bytes of an entry tag and of a sum of entry
// tags: 4096 bits. A sum of tags that an insider can compute is an AdHash
// (Bellare–Micciancio 1997); its resistance to a chosen-summand collision
// is bounded by Wagner's k-tree algorithm, ≈ k·2^(n/(1+lg k)) operations,
// which is ≥ 2^127 for n = 4096 whatever k (docs/format.md, "Entry tags").
const TagSumSize = 512

// LegacyTagSize is the length of a format-3 entry tag: the HMAC truncated
// to 16 bytes, summed mod 2^128. Read only to upgrade a format-3 vault.
const LegacyTagSize = 16

const tagLimbs = TagSumSize / 8

// tagXOFDomain separates the expansion from any other use of SHAKE256 on
// an HMAC output.
const tagXOFDomain = "shopvault entry tag 4096\x00"

// EntryTag is one entry's element of its bucket's sum: an integer mod
// 2^4096, least significant 64-bit limb first.
type EntryTag struct{ limbs [tagLimbs]uint64 }

// TagSum is the sum mod 2^4096 of a bucket's entry tags. Adding and
// subtracting in any order gives the same sum. The zero value is the sum
// of no tags.
type TagSum struct{ limbs [tagLimbs]uint64 }

// Add adds e to s.
func (s *TagSum) Add(e *EntryTag) {
	var c uint64
	for i := range s.limbs {
		s.limbs[i], c = bits.Add64(s.limbs[i], e.limbs[i], c)
	}
}

// Sub subtracts e from s.
func (s *TagSum) Sub(e *EntryTag) {
	var b uint64
	for i := range s.limbs {
		s.limbs[i], b = bits.Sub64(s.limbs[i], e.limbs[i], b)
	}
}

// AddSum adds the sum o to s.
func (s *TagSum) AddSum(o *TagSum) {
	var c uint64
	for i := range s.limbs {
		s.limbs[i], c = bits.Add64(s.limbs[i], o.limbs[i], c)
	}
}

// Equal tells whether s and o are the same sum.
func (s *TagSum) Equal(o *TagSum) bool { return s.limbs == o.limbs }

// Bytes encodes s as TagSumSize bytes, big-endian.
func (s *TagSum) Bytes() []byte {
	out := make([]byte, TagSumSize)
	for i, l := range s.limbs {
		binary.BigEndian.PutUint64(out[TagSumSize-8*(i+1):], l)
	}
	return out
}

// ParseTagSum decodes what Bytes encoded.
func ParseTagSum(b []byte) (TagSum, error) {
	var s TagSum
	if len(b) != TagSumSize {
		return s, errors.New("an entry tag sum is " + strconv.Itoa(TagSumSize) + " bytes")
	}
	for i := range s.limbs {
		s.limbs[i] = binary.BigEndian.Uint64(b[TagSumSize-8*(i+1):])
	}
	return s, nil
}

// LegacySum is a format-3 sum: 16 bytes, big-endian, mod 2^128.
type LegacySum [LegacyTagSize]byte

// Legacy128 is s mod 2^128 in format 3's encoding: the sum format 3 kept,
// when s added format-3 tags (EntryTagger.LegacyTag).
func (s *TagSum) Legacy128() LegacySum {
	var out LegacySum
	binary.BigEndian.PutUint64(out[:8], s.limbs[1])
	binary.BigEndian.PutUint64(out[8:], s.limbs[0])
	return out
}

// TagSumFromLegacy is the TagSum whose Legacy128 is l.
func TagSumFromLegacy(l LegacySum) TagSum {
	var s TagSum
	s.limbs[1] = binary.BigEndian.Uint64(l[:8])
	s.limbs[0] = binary.BigEndian.Uint64(l[8:])
	return s
}

// EntryTagger computes the tags that authenticate the vault's data entries
// (docs/format.md, "Entry tags"): HMAC-SHA-256 under an HKDF subkey of one
// version of the state key, expanded with SHAKE256 to TagSumSize bytes.
// Without the state key no tag can be computed; with it (every person
// holds it) tags are random-oracle outputs of what the holder chooses,
// which is what the 4096-bit sum is sized against. Not safe for
// concurrent use.
type EntryTagger struct {
	key []byte
	mac hash.Hash
	xof *sha3.SHAKE
	sum []byte
	buf [TagSumSize]byte
}

// NewEntryTagger derives the tag key of version of the state key.
func NewEntryTagger(stateKey []byte, version uint32) (*EntryTagger, error) {
	sub, err := hkdf.Key(sha256.New, stateKey, nil, "shopvault entry-tag state v"+strconv.FormatUint(uint64(version), 10), 32)
	if err != nil {
		return nil, err
	}
	return newEntryTagger(sub), nil
}

func newEntryTagger(key []byte) *EntryTagger {
	return &EntryTagger{key: key, mac: hmac.New(sha256.New, key), xof: sha3.NewSHAKE256()}
}

// Clone is a tagger under the same key for another goroutine.
func (t *EntryTagger) Clone() *EntryTagger { return newEntryTagger(t.key) }

// hmacOf is HMAC(key, bucket || 0x00 || key || 0x00 || valueHash), kept
// in t.sum.
func (t *EntryTagger) hmacOf(bucket string, key []byte, valueHash [32]byte) []byte {
	t.mac.Reset()
	t.mac.Write([]byte(bucket))
	t.mac.Write([]byte{0})
	t.mac.Write(key)
	t.mac.Write([]byte{0})
	t.mac.Write(valueHash[:])
	t.sum = t.mac.Sum(t.sum[:0])
	return t.sum
}

// Tag is SHAKE256(domain || HMAC(key, bucket || 0x00 || key || 0x00 ||
// valueHash)) read to TagSumSize bytes, as a big-endian integer.
func (t *EntryTagger) Tag(bucket string, key []byte, valueHash [32]byte) EntryTag {
	m := t.hmacOf(bucket, key, valueHash)
	t.xof.Reset()
	t.xof.Write([]byte(tagXOFDomain))
	t.xof.Write(m)
	t.xof.Read(t.buf[:])
	var e EntryTag
	for i := range e.limbs {
		e.limbs[i] = binary.BigEndian.Uint64(t.buf[TagSumSize-8*(i+1):])
	}
	return e
}

// LegacyTag is format 3's tag, HMAC(...)[:16], as an element whose sums
// reduced by Legacy128 are format 3's sums.
func (t *EntryTagger) LegacyTag(bucket string, key []byte, valueHash [32]byte) EntryTag {
	m := t.hmacOf(bucket, key, valueHash)
	var e EntryTag
	e.limbs[1] = binary.BigEndian.Uint64(m[:8])
	e.limbs[0] = binary.BigEndian.Uint64(m[8:16])
	return e
}

// publicTagDomain separates the public (unkeyed) expansion from the keyed
// one and from any other use of SHAKE256.
const publicTagDomain = "shopvault public entry tag 4096\x00"

// PublicEntryTagger computes the unkeyed elements of format 5's records
// sum (docs/format.md, "Entry tags"): SHAKE256(domain || bucket || 0x00 ||
// key || 0x00 || valueHash) read to TagSumSize bytes. Anyone can compute
// them, so anyone holding the signed head (cron, which holds no key) can
// recount the sum; the 4096-bit AdHash is sized for summands an insider
// chooses, which is all a keyless attacker gets from them. Not safe for
// concurrent use.
type PublicEntryTagger struct {
	xof *sha3.SHAKE
	buf [TagSumSize]byte
}

// NewPublicEntryTagger returns a tagger that needs no key.
func NewPublicEntryTagger() *PublicEntryTagger {
	return &PublicEntryTagger{xof: sha3.NewSHAKE256()}
}

// Tag is the public element of an entry whose H(value) is valueHash. The
// bucket name holds no 0x00 and valueHash has a fixed length, so the
// input encodes (bucket, key, valueHash) unambiguously.
func (t *PublicEntryTagger) Tag(bucket string, key []byte, valueHash [32]byte) EntryTag {
	t.xof.Reset()
	t.xof.Write([]byte(publicTagDomain))
	t.xof.Write([]byte(bucket))
	t.xof.Write([]byte{0})
	t.xof.Write(key)
	t.xof.Write([]byte{0})
	t.xof.Write(valueHash[:])
	t.xof.Read(t.buf[:])
	var e EntryTag
	for i := range e.limbs {
		e.limbs[i] = binary.BigEndian.Uint64(t.buf[TagSumSize-8*(i+1):])
	}
	return e
}

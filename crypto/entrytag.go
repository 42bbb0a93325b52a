package crypto

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"strconv"
)

// EntryTagSize is the length of an entry tag.
const EntryTagSize = 16

// EntryTagger computes the tags that authenticate the vault's data entries
// (docs/format.md, "Entry tags"): HMAC-SHA-256 under an HKDF subkey of one
// version of the state key, truncated to 16 bytes. Not safe for concurrent
// use.
type EntryTagger struct {
	mac hash.Hash
	sum []byte
}

// NewEntryTagger derives the tag key of version of the state key.
func NewEntryTagger(stateKey []byte, version uint32) (*EntryTagger, error) {
	sub, err := hkdf.Key(sha256.New, stateKey, nil, "shopvault entry-tag state v"+strconv.FormatUint(uint64(version), 10), 32)
	if err != nil {
		return nil, err
	}
	return &EntryTagger{mac: hmac.New(sha256.New, sub)}, nil
}

// Tag is HMAC(key, bucket || 0x00 || key || 0x00 || valueHash)[:16].
func (t *EntryTagger) Tag(bucket string, key []byte, valueHash [32]byte) [EntryTagSize]byte {
	t.mac.Reset()
	t.mac.Write([]byte(bucket))
	t.mac.Write([]byte{0})
	t.mac.Write(key)
	t.mac.Write([]byte{0})
	t.mac.Write(valueHash[:])
	t.sum = t.mac.Sum(t.sum[:0])
	var out [EntryTagSize]byte
	copy(out[:], t.sum)
	return out
}

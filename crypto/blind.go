package crypto

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
)

// TokenSize is the length of a blind index token. 8 bytes (64 bits) keeps
// chance collisions out of reach for any shop (about 2^-39 across a million
// customers' three tokens) so a lookup never decrypts a candidate, at a
// quarter of a full HMAC's size; the cost, documented in docs/format.md, is
// that records sharing a value share a token. Format-1 vaults kept 16
// bytes; their tokens start with the same 8, so lookups by prefix find both.
const TokenSize = 8

// BlindIndexer computes blind index tokens: HMAC-SHA256 under a subkey of the
// index key, over the kind and the normalised value. Not safe for concurrent
// use: it reuses one HMAC state.
type BlindIndexer struct {
	mac     hash.Hash
	version uint32
}

// NewBlindIndexer derives the blind-index subkey for a version of the index key.
func NewBlindIndexer(indexKey []byte, version uint32) (*BlindIndexer, error) {
	sub, err := deriveKey(indexKey, "blind-index", "index", version)
	if err != nil {
		return nil, err
	}
	return &BlindIndexer{mac: hmac.New(sha256.New, sub), version: version}, nil
}

// Version is the index key version the tokens belong to.
func (b *BlindIndexer) Version() uint32 { return b.version }

// Token returns the blind index token of a normalised value of one kind
// (email, phone, name); kinds are separated so equal strings of different
// kinds never share a token.
func (b *BlindIndexer) Token(kind, normalized string) []byte {
	b.mac.Reset()
	b.mac.Write([]byte(kind))
	b.mac.Write([]byte{0})
	b.mac.Write([]byte(normalized))
	return b.mac.Sum(nil)[:TokenSize]
}

// AuditMAC authenticates audit chain hashes under a subkey of the audit key.
type AuditMAC struct{ key []byte }

// NewAuditMAC derives the audit MAC subkey.
func NewAuditMAC(auditKey []byte, version uint32) (*AuditMAC, error) {
	sub, err := deriveKey(auditKey, "audit-mac", "audit", version)
	if err != nil {
		return nil, err
	}
	return &AuditMAC{key: sub}, nil
}

// Sum returns the MAC of msg in a domain (entry or head).
func (a *AuditMAC) Sum(domain string, msg []byte) []byte {
	m := hmac.New(sha256.New, a.key)
	m.Write([]byte(domain))
	m.Write([]byte{0})
	m.Write(msg)
	return m.Sum(nil)
}

// Verify checks a MAC in constant time.
func (a *AuditMAC) Verify(domain string, msg, mac []byte) bool {
	return hmac.Equal(a.Sum(domain, msg), mac)
}

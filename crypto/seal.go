package crypto

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
)

// KeySize is the size of every group key, index key and audit key.
const KeySize = 32

// NewKey returns a fresh random key.
func NewKey(rand io.Reader) ([]byte, error) {
	k := make([]byte, KeySize)
	if _, err := io.ReadFull(rand, k); err != nil {
		return nil, fmt.Errorf("read randomness: %w", err)
	}
	return k, nil
}

// deriveKey separates the uses of one stored key: the stored group key never
// touches data directly; each (purpose, group, version) gets its own subkey.
func deriveKey(key []byte, purpose, group string, version uint32) ([]byte, error) {
	info := fmt.Sprintf("shopvault %s %s v%d", purpose, group, version)
	return hkdf.Key(sha256.New, key, nil, info, KeySize)
}

// Sealer seals and opens field values of one group under one key version.
// It is safe for concurrent use.
type Sealer struct {
	aead    cipher.AEAD
	version uint32
}

// NewSealer derives the field-sealing key for group at version.
func NewSealer(groupKey []byte, group string, version uint32) (*Sealer, error) {
	if len(groupKey) != KeySize {
		return nil, fmt.Errorf("group key has %d bytes, want %d", len(groupKey), KeySize)
	}
	sub, err := deriveKey(groupKey, "field", group, version)
	if err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.NewX(sub)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead, version: version}, nil
}

// Version is the key version this sealer writes.
func (s *Sealer) Version() uint32 { return s.version }

// FieldAAD binds a sealed value to its record, field and key version, so a
// ciphertext moved to another record or field fails to open.
func FieldAAD(recordID []byte, field string, version uint32) []byte {
	aad := make([]byte, 0, 32+len(recordID)+len(field))
	aad = append(aad, "shopvault field v1\x00"...)
	aad = binary.BigEndian.AppendUint16(aad, uint16(len(recordID)))
	aad = append(aad, recordID...)
	aad = binary.BigEndian.AppendUint16(aad, uint16(len(field)))
	aad = append(aad, field...)
	aad = binary.BigEndian.AppendUint32(aad, version)
	return aad
}

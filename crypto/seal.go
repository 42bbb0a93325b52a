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

// sealedFormat is the first byte of every sealed value; a reader refuses any
// other so that a future format can never be misread as this one.
const sealedFormat = 0x01

const sealedHeaderLen = 1 + 4 + chacha20poly1305.NonceSizeX

// SealedOverhead is how many bytes sealing adds to a value.
const SealedOverhead = sealedHeaderLen + chacha20poly1305.Overhead

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

// Seal returns format || version || nonce || ciphertext.
func (s *Sealer) Seal(rand io.Reader, recordID []byte, field string, plaintext []byte) ([]byte, error) {
	out := make([]byte, sealedHeaderLen, sealedHeaderLen+len(plaintext)+chacha20poly1305.Overhead)
	out[0] = sealedFormat
	binary.BigEndian.PutUint32(out[1:5], s.version)
	nonce := out[5:sealedHeaderLen]
	if _, err := io.ReadFull(rand, nonce); err != nil {
		return nil, fmt.Errorf("read randomness: %w", err)
	}
	return s.aead.Seal(out, nonce, plaintext, FieldAAD(recordID, field, s.version)), nil
}

// Open authenticates and decrypts a value sealed for recordID and field.
func (s *Sealer) Open(recordID []byte, field string, sealed []byte) ([]byte, error) {
	v, err := SealedVersion(sealed)
	if err != nil {
		return nil, err
	}
	if v != s.version {
		return nil, fmt.Errorf("%w: sealed under key version %d, sealer has %d", ErrOpen, v, s.version)
	}
	nonce := sealed[5:sealedHeaderLen]
	pt, err := s.aead.Open(nil, nonce, sealed[sealedHeaderLen:], FieldAAD(recordID, field, v))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// SealedVersion reads the key version from a sealed value's header.
func SealedVersion(sealed []byte) (uint32, error) {
	if len(sealed) < SealedOverhead || sealed[0] != sealedFormat {
		return 0, ErrSealedFormat
	}
	return binary.BigEndian.Uint32(sealed[1:5]), nil
}

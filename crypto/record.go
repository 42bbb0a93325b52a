package crypto

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
)

// A sealed record holds every sealed field of one customer in one value,
// grouped by key group. Each field is its own XChaCha20-Poly1305 ciphertext
// (so a field can be deleted without any key), with record id, field name
// and key version as associated data. Within a group, field nonces are the
// group's nonce with its last byte XORed with the field's code: distinct per
// field, and fresh for every sealing of the group, which always re-seals
// every field of that group. The group nonce is 16 random bytes followed by
// 8 zero bytes: 128 random bits keep a repeat out of reach (about 2^-64
// after 2^32 sealings under one key) and save 8 bytes a group against a
// fully random 24-byte nonce, which format 0x02 stored.
//
//	record := 0x03 group*
//	group  := code(1) version(uvarint) nonce(16) count(1) field*
//	field  := code(1) length(uvarint) ciphertext-with-tag
//
// Format 0x02 is the same with nonce(24); it is still read, and a record
// holding a group sealed that way is written back as 0x02.
const (
	recordFormat       = 0x03
	recordFormatLegacy = 0x02
	nonceRandomLen     = 16
)

// SealedField is one field of a sealed group.
type SealedField struct {
	Code       byte
	Ciphertext []byte
}

// SealedGroup is one key group's fields in a sealed record.
type SealedGroup struct {
	Code    byte
	Version uint32
	Nonce   [chacha20poly1305.NonceSizeX]byte
	Fields  []SealedField
}

// Field looks a field up by code.
func (g *SealedGroup) Field(code byte) ([]byte, bool) {
	for _, f := range g.Fields {
		if f.Code == code {
			return f.Ciphertext, true
		}
	}
	return nil, false
}

// ParseError is a sealed record that does not parse.
type ParseError struct{ Msg string }

func (e *ParseError) Error() string { return "sealed record: " + e.Msg }

// Unwrap makes errors.Is(err, ErrSealedFormat) hold.
func (e *ParseError) Unwrap() error { return ErrSealedFormat }

// EncodeRecord serialises groups (no cryptography: dropping a field is
// parse, remove, encode).
func EncodeRecord(groups []SealedGroup) []byte {
	n := 1
	for _, g := range groups {
		n += 1 + binary.MaxVarintLen32 + len(g.Nonce) + 1
		for _, f := range g.Fields {
			n += 1 + binary.MaxVarintLen32 + len(f.Ciphertext)
		}
	}
	format, nonceLen := byte(recordFormat), nonceRandomLen
	for _, g := range groups {
		if !g.shortNonce() {
			format, nonceLen = recordFormatLegacy, len(g.Nonce)
		}
	}
	out := make([]byte, 0, n)
	out = append(out, format)
	for _, g := range groups {
		if len(g.Fields) == 0 {
			continue
		}
		out = append(out, g.Code)
		out = binary.AppendUvarint(out, uint64(g.Version))
		out = append(out, g.Nonce[:nonceLen]...)
		out = append(out, byte(len(g.Fields)))
		for _, f := range g.Fields {
			out = append(out, f.Code)
			out = binary.AppendUvarint(out, uint64(len(f.Ciphertext)))
			out = append(out, f.Ciphertext...)
		}
	}
	return out
}

// shortNonce tells whether the group's nonce fits format 0x03.
func (g *SealedGroup) shortNonce() bool {
	for _, b := range g.Nonce[nonceRandomLen:] {
		if b != 0 {
			return false
		}
	}
	return true
}

// ParseRecord reads a sealed record; the returned slices alias data.
func ParseRecord(data []byte) ([]SealedGroup, error) {
	if len(data) == 0 || (data[0] != recordFormat && data[0] != recordFormatLegacy) {
		return nil, &ParseError{"unknown format byte"}
	}
	nonceLen := nonceRandomLen
	if data[0] == recordFormatLegacy {
		nonceLen = chacha20poly1305.NonceSizeX
	}
	p := data[1:]
	var groups []SealedGroup
	for len(p) > 0 {
		var g SealedGroup
		g.Code = p[0]
		p = p[1:]
		ver, n := binary.Uvarint(p)
		if n <= 0 || ver > 1<<32-1 {
			return nil, &ParseError{"bad key version"}
		}
		g.Version = uint32(ver)
		p = p[n:]
		if len(p) < nonceLen+1 {
			return nil, &ParseError{"truncated group header"}
		}
		copy(g.Nonce[:], p[:nonceLen])
		p = p[nonceLen:]
		count := int(p[0])
		p = p[1:]
		for i := 0; i < count; i++ {
			if len(p) < 2 {
				return nil, &ParseError{"truncated field"}
			}
			code := p[0]
			l, n := binary.Uvarint(p[1:])
			if n <= 0 || l > uint64(len(p)-1-n) || l < chacha20poly1305.Overhead {
				return nil, &ParseError{"bad field length"}
			}
			start := 1 + n
			g.Fields = append(g.Fields, SealedField{Code: code, Ciphertext: p[start : start+int(l)]})
			p = p[start+int(l):]
		}
		groups = append(groups, g)
	}
	return groups, nil
}

// FieldValue is a plaintext field to seal.
type FieldValue struct {
	Name  string
	Code  byte
	Value []byte
}

func fieldNonce(base [chacha20poly1305.NonceSizeX]byte, code byte) []byte {
	n := base
	n[len(n)-1] ^= code
	return n[:]
}

// SealGroup seals every field of one group under a fresh random nonce base.
func (s *Sealer) SealGroup(rand io.Reader, groupCode byte, recordID []byte, fields []FieldValue) (SealedGroup, error) {
	g := SealedGroup{Code: groupCode, Version: s.version}
	if _, err := io.ReadFull(rand, g.Nonce[:nonceRandomLen]); err != nil {
		return g, fmt.Errorf("read randomness: %w", err)
	}
	seen := map[byte]bool{}
	for _, f := range fields {
		if seen[f.Code] || f.Code == 0 {
			return g, errors.New("seal group: field codes must be distinct and non-zero")
		}
		seen[f.Code] = true
		ct := s.aead.Seal(nil, fieldNonce(g.Nonce, f.Code), f.Value, FieldAAD(recordID, f.Name, s.version))
		g.Fields = append(g.Fields, SealedField{Code: f.Code, Ciphertext: ct})
	}
	return g, nil
}

// OpenField opens one field of a group sealed by SealGroup.
func (s *Sealer) OpenField(g *SealedGroup, recordID []byte, name string, code byte) ([]byte, error) {
	if g.Version != s.version {
		return nil, fmt.Errorf("%w: sealed under key version %d, sealer has %d", ErrOpen, g.Version, s.version)
	}
	ct, ok := g.Field(code)
	if !ok {
		return nil, fmt.Errorf("%w: no such field", ErrOpen)
	}
	pt, err := s.aead.Open(nil, fieldNonce(g.Nonce, code), ct, FieldAAD(recordID, name, g.Version))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

package crypto

import (
	"fmt"
	"io"
	"strings"
)

// Aliases are 8 random Crockford base32 symbols (40 bits) plus one check
// symbol, written in groups as XXXX-XXXX-C. The check symbol is a weighted
// sum over GF(32) with distinct non-zero weights, so every single substituted
// symbol and every swap of two neighbouring symbols changes it.
const (
	aliasDataLen = 8
	crockford    = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	gfPoly       = 0x25 // x^5 + x^2 + 1, primitive over GF(2)
)

// AliasLen is the length of a canonical alias (no separators).
const AliasLen = aliasDataLen + 1

func gfMul(a, b byte) byte {
	var p byte
	for b > 0 {
		if b&1 != 0 {
			p ^= a
		}
		b >>= 1
		a <<= 1
		if a&0x20 != 0 {
			a ^= gfPoly
		}
	}
	return p
}

// aliasWeights are the powers alpha^1..alpha^8 of the generator alpha = 2;
// consecutive weights differ, which is what catches neighbour swaps.
var aliasWeights = func() [aliasDataLen]byte {
	var w [aliasDataLen]byte
	x := byte(2)
	for i := range w {
		w[i] = x
		x = gfMul(x, 2)
	}
	return w
}()

func checkSymbol(values []byte) byte {
	var sum byte
	for i, v := range values {
		sum ^= gfMul(v, aliasWeights[i])
	}
	return sum
}

// MintAlias returns a new random alias in canonical form (9 symbols, no
// separators). The caller checks uniqueness.
func MintAlias(rand io.Reader) (string, error) {
	var raw [aliasDataLen]byte
	if _, err := io.ReadFull(rand, raw[:]); err != nil {
		return "", fmt.Errorf("read randomness: %w", err)
	}
	values := make([]byte, aliasDataLen)
	out := make([]byte, AliasLen)
	for i, b := range raw {
		values[i] = b & 31
		out[i] = crockford[values[i]]
	}
	out[aliasDataLen] = crockford[checkSymbol(values)]
	return string(out), nil
}

// FormatAlias groups a canonical alias for people: K7QM-4TXR-Z.
func FormatAlias(canonical string) string {
	if len(canonical) != AliasLen {
		return canonical
	}
	return canonical[:4] + "-" + canonical[4:8] + "-" + canonical[8:]
}

func symbolValue(c byte) (byte, bool) {
	switch {
	case c >= 'a' && c <= 'z':
		c -= 'a' - 'A'
	}
	switch c {
	case 'I', 'L':
		c = '1'
	case 'O':
		c = '0'
	}
	i := strings.IndexByte(crockford, c)
	if i < 0 {
		return 0, false
	}
	return byte(i), true
}

// ParseAlias accepts an alias as people type it (any case, with or without
// hyphens or spaces, I/L read as 1 and O as 0) and returns its canonical
// form. A wrong check symbol gives ErrAliasCheck.
func ParseAlias(s string) (string, error) {
	values := make([]byte, 0, AliasLen)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' || c == ' ' {
			continue
		}
		v, ok := symbolValue(c)
		if !ok || len(values) == AliasLen {
			return "", ErrAliasMalformed
		}
		values = append(values, v)
	}
	if len(values) != AliasLen {
		return "", ErrAliasMalformed
	}
	if checkSymbol(values[:aliasDataLen]) != values[aliasDataLen] {
		return "", ErrAliasCheck
	}
	out := make([]byte, AliasLen)
	for i, v := range values {
		out[i] = crockford[v]
	}
	return string(out), nil
}

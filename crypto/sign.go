package crypto

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"

	"filippo.io/age"
)

// SigningSeedSize is the size of a signing key's seed (Ed25519).
const SigningSeedSize = ed25519.SeedSize

// DeriveSigningKey turns an identity's secret into that person's signing
// key, so whoever holds the identity can re-derive it on any machine: this
// is what lets the owner's identity be a root of trust that no one who can
// only write the vault file can fake.
func DeriveSigningKey(secret []byte) (ed25519.PrivateKey, error) {
	seed, err := hkdf.Key(sha256.New, secret, nil, "shopvault signing key v1", SigningSeedSize)
	if err != nil {
		return nil, err
	}
	defer clear(seed)
	return ed25519.NewKeyFromSeed(seed), nil
}

// NewSigningSeed draws a random signing seed (for a key that is wrapped to
// its holder rather than derived from their identity).
func NewSigningSeed(rand io.Reader) ([]byte, error) {
	seed := make([]byte, SigningSeedSize)
	if _, err := io.ReadFull(rand, seed); err != nil {
		return nil, err
	}
	return seed, nil
}

// SigningKeyFromSeed is the signing key of a stored seed.
func SigningKeyFromSeed(seed []byte) (ed25519.PrivateKey, error) {
	if len(seed) != SigningSeedSize {
		return nil, errors.New("signing key seed has the wrong size")
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// sshIdentity remembers an SSH private key's bytes beside the age identity
// made from it, so a signing key can be derived from the same secret.
type sshIdentity struct {
	age.Identity
	secret []byte
}

// ErrCannotDerive means an identity has no secret to derive a signing key
// from (age plugins: the secret stays in the hardware or the plugin).
var ErrCannotDerive = errors.New("this identity cannot derive a signing key (an age plugin keeps its secret)")

// IdentitySigningKey derives the signing key of an identity that holds its
// secret: X25519, hybrid and SSH identities.
func IdentitySigningKey(id age.Identity) (ed25519.PrivateKey, error) {
	switch i := id.(type) {
	case *age.X25519Identity:
		return DeriveSigningKey([]byte(i.String()))
	case *age.HybridIdentity:
		return DeriveSigningKey([]byte(i.String()))
	case *sshIdentity:
		return DeriveSigningKey(i.secret)
	}
	return nil, ErrCannotDerive
}

// Fingerprint names a signing public key for people to compare and carry:
// 16 bytes of SHA-256, hex in groups of four.
func Fingerprint(pub ed25519.PublicKey) string {
	h := sha256.New()
	h.Write([]byte("shopvault signing key\x00"))
	h.Write(pub)
	sum := hex.EncodeToString(h.Sum(nil)[:16])
	var parts []string
	for i := 0; i < len(sum); i += 4 {
		parts = append(parts, sum[i:i+4])
	}
	return strings.Join(parts, "-")
}

// NormalizeFingerprint accepts a fingerprint as people type it (any case,
// with or without hyphens and spaces) and returns the canonical form.
func NormalizeFingerprint(s string) (string, error) {
	s = strings.ToLower(strings.NewReplacer("-", "", " ", "", ":", "").Replace(strings.TrimSpace(s)))
	if len(s) != 32 {
		return "", errors.New("a fingerprint has 32 hex digits (8 groups of 4)")
	}
	if _, err := hex.DecodeString(s); err != nil {
		return "", errors.New("a fingerprint has only hex digits 0-9 and a-f")
	}
	var parts []string
	for i := 0; i < len(s); i += 4 {
		parts = append(parts, s[i:i+4])
	}
	return strings.Join(parts, "-"), nil
}

// Signed statement domains: a signature made for one kind of statement
// never verifies as another.
const (
	DomainPolicy = "shopvault policy v1"
	DomainHead   = "shopvault head v1"
	DomainPurge  = "shopvault purge v1"
)

const signedVersion = 0x01

// EncodeSigned signs body under domain and returns the stored form:
// 0x01 || public key || signature || body.
func EncodeSigned(priv ed25519.PrivateKey, domain string, body []byte) []byte {
	sig := ed25519.Sign(priv, signedMessage(domain, body))
	out := make([]byte, 0, 1+ed25519.PublicKeySize+ed25519.SignatureSize+len(body))
	out = append(out, signedVersion)
	out = append(out, priv.Public().(ed25519.PublicKey)...)
	out = append(out, sig...)
	return append(out, body...)
}

// ErrBadSignature means a signed statement does not verify.
var ErrBadSignature = errors.New("signature does not verify")

// OpenSigned checks a stored signed statement and returns its signer and
// body (aliasing data). It proves only that the holder of signer's key
// signed body; whether that signer may is the caller's question.
func OpenSigned(domain string, data []byte) (signer ed25519.PublicKey, body []byte, err error) {
	const head = 1 + ed25519.PublicKeySize + ed25519.SignatureSize
	if len(data) < head || data[0] != signedVersion {
		return nil, nil, ErrBadSignature
	}
	signer = ed25519.PublicKey(data[1 : 1+ed25519.PublicKeySize])
	sig := data[1+ed25519.PublicKeySize : head]
	body = data[head:]
	if !ed25519.Verify(signer, signedMessage(domain, body), sig) {
		return nil, nil, ErrBadSignature
	}
	return signer, body, nil
}

func signedMessage(domain string, body []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(domain) + 1 + len(body))
	b.WriteString(domain)
	b.WriteByte(0)
	b.Write(body)
	return b.Bytes()
}

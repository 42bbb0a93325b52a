package crypto

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"os"
	"testing"

	"filippo.io/age"
)

func TestIdentitySigningKeyIsDerivedAndStable(t *testing.T) {
	a, _ := age.GenerateX25519Identity()
	b, _ := age.GenerateX25519Identity()
	pq, _ := age.GenerateHybridIdentity()
	again, _ := age.ParseX25519Identity(a.String())
	ka, err := IdentitySigningKey(a)
	if err != nil {
		t.Fatal(err)
	}
	kAgain, _ := IdentitySigningKey(again)
	kb, _ := IdentitySigningKey(b)
	kpq, err := IdentitySigningKey(pq)
	if err != nil {
		t.Fatal(err)
	}
	if !ka.Equal(kAgain) {
		t.Error("the same identity derived two signing keys")
	}
	if ka.Equal(kb) || ka.Equal(kpq) {
		t.Error("different identities derived the same signing key")
	}
	if _, err := IdentitySigningKey(fakeIdentity{}); !errors.Is(err, ErrCannotDerive) {
		t.Errorf("identity without a secret: err = %v, want ErrCannotDerive", err)
	}
}

type fakeIdentity struct{}

func (fakeIdentity) Unwrap([]*age.Stanza) ([]byte, error) { return nil, age.ErrIncorrectIdentity }

func TestSSHIdentityDerivesFromItsKeyBytes(t *testing.T) {
	pem, err := os.ReadFile("testdata/ssh_ed25519_test_key")
	if err != nil {
		t.Fatal(err)
	}
	ids, err := ParseIdentityFile(pem, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	k1, err := IdentitySigningKey(ids[0])
	if err != nil {
		t.Fatal(err)
	}
	ids2, _ := ParseIdentityFile(pem, nil, nil)
	k2, _ := IdentitySigningKey(ids2[0])
	if !k1.Equal(k2) {
		t.Error("the same SSH key derived two signing keys")
	}
}

func TestSignedStatements(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	key, _ := IdentitySigningKey(id)
	body := []byte(`{"version":1}`)
	stored := EncodeSigned(key, DomainPolicy, body)
	signer, got, err := OpenSigned(DomainPolicy, stored)
	if err != nil || !bytes.Equal(got, body) || !signer.Equal(key.Public().(ed25519.PublicKey)) {
		t.Fatalf("round trip: signer ok=%v body=%q err=%v", signer.Equal(key.Public()), got, err)
	}
	flipped := bytes.Clone(stored)
	flipped[len(flipped)-2] ^= 1
	other, _ := age.GenerateX25519Identity()
	otherKey, _ := IdentitySigningKey(other)
	resigned := append(append([]byte{1}, otherKey.Public().(ed25519.PublicKey)...), stored[33:]...)
	for name, data := range map[string][]byte{
		"body flipped":           flipped,
		"signer swapped":         resigned,
		"truncated":              stored[:50],
		"empty":                  nil,
		"unknown version":        append([]byte{2}, stored[1:]...),
		"signed for another use": EncodeSigned(key, DomainHead, body),
	} {
		if _, _, err := OpenSigned(DomainPolicy, data); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: err = %v, want ErrBadSignature", name, err)
		}
	}
}

func TestFingerprintNormalise(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	key, _ := IdentitySigningKey(id)
	fp := Fingerprint(key.Public().(ed25519.PublicKey))
	if len(fp) != 39 {
		t.Fatalf("fingerprint %q: want 8 groups of 4", fp)
	}
	for _, in := range []string{fp, " " + fp + " ", bytes.NewBufferString(fp).String(), string(bytes.ToUpper([]byte(fp))), string(bytes.ReplaceAll([]byte(fp), []byte("-"), nil))} {
		got, err := NormalizeFingerprint(in)
		if err != nil || got != fp {
			t.Errorf("NormalizeFingerprint(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "abcd", fp + "0", "zzzz" + fp[4:]} {
		if _, err := NormalizeFingerprint(bad); err == nil {
			t.Errorf("NormalizeFingerprint(%q) accepted", bad)
		}
	}
}

func FuzzOpenSigned(f *testing.F) {
	id, _ := age.GenerateX25519Identity()
	key, _ := IdentitySigningKey(id)
	f.Add(EncodeSigned(key, DomainHead, []byte(`{}`)))
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, body, err := OpenSigned(DomainHead, data); err == nil && len(body) > len(data) {
			t.Fatal("body longer than the input")
		}
	})
}

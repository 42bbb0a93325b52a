package crypto

import (
	"bytes"
	"errors"
	"testing"

	"filippo.io/age"
)

func testKey(seed byte) []byte {
	k, _ := NewKey(newSeeded(seed))
	return k
}

// DESIGN.md key hierarchy: the record id, field name and key version are
// associated data, so a ciphertext cannot move undetected.
func TestSealBindsRecordFieldAndVersion(t *testing.T) {
	key := testKey(1)
	s1, _ := NewSealer(key, "shipping", 1)
	sealed, err := s1.Seal(newSeeded(9), []byte("record-A"), "name", []byte("Ngozi Okafor"))
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := s1.Open([]byte("record-A"), "name", sealed); err != nil || string(pt) != "Ngozi Okafor" {
		t.Fatalf("round trip: %q %v", pt, err)
	}
	otherGroup, _ := NewSealer(key, "contact", 1)
	s2, _ := NewSealer(key, "shipping", 2)
	flipped := append([]byte{}, sealed...)
	flipped[len(flipped)-1] ^= 1
	relabelled := append([]byte{}, sealed...)
	relabelled[4] = 2 // claim key version 2
	tests := []struct {
		name   string
		sealer *Sealer
		record string
		field  string
		data   []byte
	}{
		{"other record", s1, "record-B", "name", sealed},
		{"other field", s1, "record-A", "line1", sealed},
		{"other group key", otherGroup, "record-A", "name", sealed},
		{"other key version", s2, "record-A", "name", sealed},
		{"version byte edited", s2, "record-A", "name", relabelled},
		{"flipped bit", s1, "record-A", "name", flipped},
		{"truncated", s1, "record-A", "name", sealed[:10]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pt, err := tc.sealer.Open([]byte(tc.record), tc.field, tc.data)
			if err == nil {
				t.Fatalf("opened as %q", pt)
			}
			if !errors.Is(err, ErrOpen) && !errors.Is(err, ErrSealedFormat) {
				t.Fatalf("error %v is neither ErrOpen nor ErrSealedFormat", err)
			}
		})
	}
}

func TestSealedHidesPlaintextAndVaries(t *testing.T) {
	s, _ := NewSealer(testKey(2), "notes", 1)
	rng := newSeeded(3)
	a, _ := s.Seal(rng, []byte("r"), "note", []byte("gate is blue"))
	b, _ := s.Seal(rng, []byte("r"), "note", []byte("gate is blue"))
	if bytes.Contains(a, []byte("gate")) || bytes.Equal(a, b) {
		t.Fatal("sealed value shows plaintext or repeats")
	}
	if v, err := SealedVersion(a); err != nil || v != 1 {
		t.Fatalf("SealedVersion = %d, %v", v, err)
	}
	if len(a) != len("gate is blue")+SealedOverhead {
		t.Fatalf("overhead %d, want %d", len(a)-len("gate is blue"), SealedOverhead)
	}
}

func TestBlindIndexSeparatesKindsAndKeys(t *testing.T) {
	ix, _ := NewBlindIndexer(testKey(4), 1)
	other, _ := NewBlindIndexer(testKey(5), 1)
	v2, _ := NewBlindIndexer(testKey(4), 2)
	a := ix.Token("email", "a@example.ng")
	if !bytes.Equal(a, ix.Token("email", "a@example.ng")) {
		t.Fatal("token not deterministic")
	}
	if len(a) != TokenSize {
		t.Fatalf("token size %d", len(a))
	}
	for name, tok := range map[string][]byte{
		"other kind": ix.Token("name", "a@example.ng"), "other key": other.Token("email", "a@example.ng"),
		"other version": v2.Token("email", "a@example.ng"), "other value": ix.Token("email", "b@example.ng"),
	} {
		if bytes.Equal(tok, a) {
			t.Errorf("%s gives the same token", name)
		}
	}
}

func TestWrapUnwrapPerRecipient(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	other, _ := age.GenerateX25519Identity()
	pq, _ := age.GenerateHybridIdentity()
	key := testKey(6)
	for name, tc := range map[string]struct {
		r  age.Recipient
		id age.Identity
	}{"x25519": {id.Recipient(), id}, "post-quantum": {pq.Recipient(), pq}} {
		blob, err := WrapKey(key, tc.r)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := UnwrapKey(blob, []age.Identity{tc.id})
		if err != nil || !bytes.Equal(got, key) {
			t.Fatalf("%s: unwrap %v", name, err)
		}
		if _, err := UnwrapKey(blob, []age.Identity{other}); !errors.Is(err, ErrNoIdentityMatch) {
			t.Fatalf("%s: wrong identity gave %v", name, err)
		}
	}
}

func TestParseRecipientKinds(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	pq, _ := age.GenerateHybridIdentity()
	for _, s := range []string{id.Recipient().String(), pq.Recipient().String(),
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN ada@laptop"} {
		if _, err := ParseRecipient(s, nil); err != nil {
			t.Errorf("ParseRecipient(%.20s…): %v", s, err)
		}
	}
	for _, s := range []string{"", "age1bogus", "hello", "AGE-SECRET-KEY-1XYZ"} {
		if _, err := ParseRecipient(s, nil); err == nil {
			t.Errorf("ParseRecipient(%q) accepted", s)
		}
	}
}

func TestPassphrasePolicy(t *testing.T) {
	for _, tc := range []struct {
		pass string
		ok   bool
	}{
		{"BusinessName123", false}, {"password", false}, {"qwertyuiop123456", false}, {"short", false},
		{"MamaPutKitchen2024!", false}, {"copper-lantern-orbit-meadow-violin-sprocket", true},
	} {
		err := CheckPassphrase(tc.pass, []string{"Mama Put Kitchen"})
		if (err == nil) != tc.ok {
			t.Errorf("CheckPassphrase(%q) = %v, want ok=%v", tc.pass, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrWeakPassphrase) {
			t.Errorf("error %v is not ErrWeakPassphrase", err)
		}
	}
	p, err := GeneratePassphrase(newSeeded(7))
	if err != nil || CheckPassphrase(p, nil) != nil {
		t.Fatalf("generated passphrase %q refused: %v", p, err)
	}
}

func TestPassphraseProtectedIdentityFile(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	blob, err := EncryptWithPassphrase([]byte(id.String()+"\n"), "copper-lantern-orbit", &ScryptOptions{WorkFactor: 10})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := ParseIdentityFile(blob, nil, func() (string, error) { return "copper-lantern-orbit", nil })
	if err != nil || len(ids) != 1 || IdentityRecipient(ids[0]) != id.Recipient().String() {
		t.Fatalf("parse: %v", err)
	}
	if _, err := ParseIdentityFile(blob, nil, func() (string, error) { return "wrong", nil }); err == nil {
		t.Fatal("wrong passphrase accepted")
	}
	if _, err := ParseIdentityFile(blob, nil, nil); !errors.Is(err, ErrNeedPassphrase) {
		t.Fatalf("no passphrase source: %v", err)
	}
	if _, err := ParseIdentityFile([]byte("# nothing\n"), nil, nil); err == nil {
		t.Fatal("empty identity file accepted")
	}
}

func BenchmarkSeal8Fields(b *testing.B) {
	s, _ := NewSealer(testKey(8), "shipping", 1)
	rng := newSeeded(8)
	id := []byte("0123456789ab")
	fields := []string{"name", "phone", "line1", "line2", "city", "region", "postcode", "country"}
	val := []byte("Adébáyọ̀ Ọládípọ̀ 14 Herbert")
	for b.Loop() {
		for _, f := range fields {
			s.Seal(rng, id, f, val)
		}
	}
}

func BenchmarkBlindIndexToken(b *testing.B) {
	ix, _ := NewBlindIndexer(testKey(9), 1)
	for b.Loop() {
		ix.Token("email", "ade.oladipo+shop@example.ng")
	}
}

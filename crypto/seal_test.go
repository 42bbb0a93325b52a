package crypto

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"filippo.io/age"
)

func testKey(seed byte) []byte {
	k, _ := NewKey(newSeeded(seed))
	return k
}

func sealOne(t *testing.T, s *Sealer, rng *seededRand, record, field string, code byte, value string) SealedGroup {
	t.Helper()
	g, err := s.SealGroup(rng, 's', []byte(record), []FieldValue{{Name: field, Code: code, Value: []byte(value)}})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// DESIGN.md key hierarchy: the record id, field name and key version are
// associated data, so a ciphertext cannot move undetected.
func TestSealBindsRecordFieldAndVersion(t *testing.T) {
	key := testKey(1)
	s1, _ := NewSealer(key, "shipping", 1)
	g := sealOne(t, s1, newSeeded(9), "record-A", "name", 1, "Ngozi Okafor")
	if pt, err := s1.OpenField(&g, []byte("record-A"), "name", 1); err != nil || string(pt) != "Ngozi Okafor" {
		t.Fatalf("round trip: %q %v", pt, err)
	}
	otherGroup, _ := NewSealer(key, "contact", 1)
	s2, _ := NewSealer(key, "shipping", 2)
	flipped := g
	flipped.Fields = []SealedField{{Code: 1, Ciphertext: append([]byte{}, g.Fields[0].Ciphertext...)}}
	flipped.Fields[0].Ciphertext[0] ^= 1
	relabelled := g
	relabelled.Version = 2
	otherNonce := g
	otherNonce.Nonce[0] ^= 1
	recoded := g
	recoded.Fields = []SealedField{{Code: 2, Ciphertext: g.Fields[0].Ciphertext}}
	tests := []struct {
		name   string
		sealer *Sealer
		record string
		field  string
		code   byte
		group  SealedGroup
	}{
		{"other record", s1, "record-B", "name", 1, g},
		{"other field name", s1, "record-A", "line1", 1, g},
		{"other field code", s1, "record-A", "name", 2, recoded},
		{"other group key", otherGroup, "record-A", "name", 1, g},
		{"other key version", s2, "record-A", "name", 1, g},
		{"version relabelled", s2, "record-A", "name", 1, relabelled},
		{"nonce edited", s1, "record-A", "name", 1, otherNonce},
		{"flipped bit", s1, "record-A", "name", 1, flipped},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pt, err := tc.sealer.OpenField(&tc.group, []byte(tc.record), tc.field, tc.code)
			if err == nil {
				t.Fatalf("opened as %q", pt)
			}
			if !errors.Is(err, ErrOpen) {
				t.Fatalf("error %v is not ErrOpen", err)
			}
		})
	}
}

func TestSealedRecordEncodingAndDrop(t *testing.T) {
	s, _ := NewSealer(testKey(2), "notes", 1)
	rng := newSeeded(3)
	g, err := s.SealGroup(rng, 'n', []byte("r"), []FieldValue{{"note", 10, []byte("gate is blue")}, {"line2", 5, []byte("Flat 3")}})
	if err != nil {
		t.Fatal(err)
	}
	h, _ := s.SealGroup(rng, 'n', []byte("r"), []FieldValue{{"note", 10, []byte("gate is blue")}})
	if bytes.Equal(g.Fields[0].Ciphertext, h.Fields[0].Ciphertext) {
		t.Fatal("two sealings of the same value are equal")
	}
	data := EncodeRecord([]SealedGroup{g})
	if bytes.Contains(data, []byte("gate")) {
		t.Fatal("plaintext in sealed record")
	}
	parsed, err := ParseRecord(data)
	if err != nil || len(parsed) != 1 || len(parsed[0].Fields) != 2 {
		t.Fatalf("parse: %+v %v", parsed, err)
	}
	// dropping a field needs no key: remove it and re-encode
	parsed[0].Fields = parsed[0].Fields[1:]
	again, _ := ParseRecord(EncodeRecord(parsed))
	if pt, err := s.OpenField(&again[0], []byte("r"), "line2", 5); err != nil || string(pt) != "Flat 3" {
		t.Fatalf("after drop: %q %v", pt, err)
	}
	if _, err := s.OpenField(&again[0], []byte("r"), "note", 10); err == nil {
		t.Fatal("dropped field still opens")
	}
	for _, bad := range [][]byte{nil, {0x01}, {0x02, 's'}, {0x02, 's', 1}, append(data[:len(data)-5:len(data)-5], 0)} {
		if _, err := ParseRecord(bad); !errors.Is(err, ErrSealedFormat) {
			t.Errorf("ParseRecord(%x) = %v", bad, err)
		}
	}
	if _, err := s.SealGroup(rng, 'n', []byte("r"), []FieldValue{{"a", 1, nil}, {"b", 1, nil}}); err == nil {
		t.Fatal("duplicate field codes accepted")
	}
}

// TestLegacyRecordFormatStillOpens: a group sealed with a full 24-byte
// random nonce (format 0x02) parses, opens, and is written back as 0x02;
// new sealings are 0x03 with 16 stored nonce bytes.
func TestLegacyRecordFormatStillOpens(t *testing.T) {
	s, _ := NewSealer(testKey(5), "shipping", 1)
	g, err := s.SealGroup(newSeeded(9), 's', []byte("r"), []FieldValue{{"name", 1, []byte("Ann")}})
	if err != nil {
		t.Fatal(err)
	}
	data := EncodeRecord([]SealedGroup{g})
	if data[0] != recordFormat || len(data) != 1+1+1+nonceRandomLen+1+1+1+3+16 {
		t.Fatalf("new record: format %#x, %d bytes", data[0], len(data))
	}
	// Format 0x02 as the previous version wrote it: a full random nonce.
	legacy := g
	copy(legacy.Nonce[:], bytes.Repeat([]byte{0x5a}, len(legacy.Nonce)))
	legacy.Fields = []SealedField{{Code: 1, Ciphertext: s.aead.Seal(nil, fieldNonce(legacy.Nonce, 1), []byte("Ann"), FieldAAD([]byte("r"), "name", 1))}}
	old := EncodeRecord([]SealedGroup{legacy})
	if old[0] != recordFormatLegacy {
		t.Fatalf("a full nonce was written as format %#x", old[0])
	}
	for name, enc := range map[string][]byte{"0x02": old, "0x03": data} {
		parsed, err := ParseRecord(enc)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if pt, err := s.OpenField(&parsed[0], []byte("r"), "name", 1); err != nil || string(pt) != "Ann" {
			t.Fatalf("%s: opened %q, %v", name, pt, err)
		}
		if again := EncodeRecord(parsed); !bytes.Equal(again, enc) {
			t.Fatalf("%s: re-encoding changed the bytes", name)
		}
	}
}

func FuzzParseRecord(f *testing.F) {
	s, _ := NewSealer(testKey(4), "shipping", 3)
	g, _ := s.SealGroup(newSeeded(1), 's', []byte("r"), []FieldValue{{"name", 1, []byte("Ann")}})
	f.Add(EncodeRecord([]SealedGroup{g}))
	f.Add([]byte{0x02})
	f.Add([]byte{0x03, 's', 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		groups, err := ParseRecord(data)
		if err != nil {
			return
		}
		if _, err := ParseRecord(EncodeRecord(groups)); err != nil {
			t.Fatalf("re-encoded record does not parse: %v", err)
		}
	})
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
	for _, s := range []string{"", "age1bogus", "hello", "AGE-SECRET-" + "KEY-1XYZ"} {
		if _, err := ParseRecipient(s, nil); err == nil {
			t.Errorf("ParseRecipient(%q) accepted", s)
		}
	}
}

// Issue 16: the policy refuses every example of the issue, says why, and
// accepts generated six-word passphrases.
func TestPassphrasePolicy(t *testing.T) {
	shop := []string{"Mama Put Kitchen", "shopvault"}
	for _, tc := range []struct {
		pass string
		ok   bool
		why  string
	}{
		{"correcthorsebatterystaple", false, "well-known password"},
		{"Tr0ub4dor&3xyz", false, "well-known password"},
		{"Lagos!Yaba#2024", false, "dictionary words"},
		{"MamaPut Kitchen Lagos 2026", false, "shop's name"},
		{"MamaPutKitchen2026!", false, "shop's name"},
		{strings.Repeat("a", 16), false, "repeated"},
		{"BusinessName123", false, "dictionary words"},
		{"password", false, "at least 12"},
		{"qwertyuiop123456", false, "keyboard pattern"},
		{"abcdefghijklmnop", false, "sequence"},
		{"short", false, "at least 12"},
		{"copper-lantern-orbit-meadow-violin-sprocket", true, ""},
	} {
		err := CheckPassphrase(tc.pass, shop)
		if (err == nil) != tc.ok {
			t.Errorf("CheckPassphrase(%q) = %v, want ok=%v", tc.pass, err, tc.ok)
			continue
		}
		if err == nil {
			continue
		}
		if !errors.Is(err, ErrWeakPassphrase) {
			t.Errorf("error %v is not ErrWeakPassphrase", err)
		}
		if !strings.Contains(err.Error(), tc.why) {
			t.Errorf("CheckPassphrase(%q) = %q, want it to say %q", tc.pass, err, tc.why)
		}
		if strings.Contains(err.Error(), tc.pass) {
			t.Errorf("the refusal repeats the passphrase: %q", err)
		}
	}
	for seed := range byte(20) {
		p, err := GeneratePassphrase(newSeeded(seed))
		if err != nil || CheckPassphrase(p, shop) != nil {
			t.Fatalf("generated passphrase %q refused: %v", p, CheckPassphrase(p, shop))
		}
	}
}

// A generated passphrase is six words between five hyphens, even when the
// word list's hyphenated words (yo-yo) come up: 2,000 draws of 6 from the
// list's 7,776 meet one of them almost surely.
func TestGeneratedPassphraseIsSixWords(t *testing.T) {
	for i := range 2000 {
		p, err := GeneratePassphrase(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(strings.Split(p, "-")); n != 6 {
			t.Fatalf("draw %d: %q has %d parts", i, p, n)
		}
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
	var fv []FieldValue
	for i, f := range []string{"name", "phone", "line1", "line2", "city", "region", "postcode", "country"} {
		fv = append(fv, FieldValue{Name: f, Code: byte(i + 1), Value: []byte("Adébáyọ̀ Ọládípọ̀ 14 Herbert")})
	}
	for b.Loop() {
		if _, err := s.SealGroup(rng, 's', id, fv); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBlindIndexToken(b *testing.B) {
	ix, _ := NewBlindIndexer(testKey(9), 1)
	for b.Loop() {
		ix.Token("email", "ade.oladipo+shop@example.ng")
	}
}

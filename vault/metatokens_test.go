package vault

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"
)

// readMetaTokens finds the same tokens as decodeMeta, whatever comes
// before them in the metadata.
func TestReadMetaTokensMatchesDecode(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	tokens := map[string]string{"email": "0011223344556677", "phone": "8899aabbccddeeff", "name": "ffeeddccbbaa9988"}
	legacy, _ := json.Marshal(&recordMeta{Alias: "K7QMPTXRZ", IndexVersion: 1, Index: map[string]string{"email": "00112233445566778899aabbccddeeff"}})
	cases := map[string][]byte{
		"all three tokens": encodeMeta(&recordMeta{Alias: "K7QMPTXRZ", Created: now, Fields: []string{"name", "email", "phone"}, IndexVersion: 3, Index: tokens}),
		"consents, hold and sealed value": encodeMeta(&recordMeta{
			Alias: "K7QMPTXRZ", Created: now, Updated: now, LastActivity: now, LastShipment: &now, ConsentWithdrawn: &now, ErasureRequested: &now,
			Fields:  []string{"name", "email"},
			Consent: map[string]Consent{"marketing": {Granted: true, At: now}, "sms": {At: now}},
			Hold:    &Hold{Until: now, Reason: "open dispute"}, IndexVersion: 2,
			Index: map[string]string{"name": tokens["name"]}, sealed: []byte{0x03, 1, 2, 3, 4},
		}),
		"no index (erased)": encodeMeta(&recordMeta{Alias: "K7QMPTXRZ", Created: now}),
		"format 1 JSON":     legacy,
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			m, err := decodeMeta(data)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := readMetaTokens(data)
			if !ok {
				t.Fatal("readMetaTokens refused a value decodeMeta reads")
			}
			assertSameTokens(t, m, got)
		})
	}
	for name, data := range map[string][]byte{"empty": {}, "unknown version": {9, 0}, "truncated": cases["all three tokens"][:20]} {
		if _, ok := readMetaTokens(data); ok {
			t.Errorf("%s: read without error", name)
		}
	}
}

func assertSameTokens(t *testing.T, m *recordMeta, got metaTokens) {
	t.Helper()
	if len(m.Index) > 0 && got.version != m.IndexVersion {
		t.Fatalf("version %d, decodeMeta says %d", got.version, m.IndexVersion)
	}
	for i, k := range indexKinds {
		want, _ := hex.DecodeString(m.Index[kindNames[k]])
		if !bytes.Equal(got.tokens[i], want) {
			t.Fatalf("%s token %x, decodeMeta says %x", kindNames[k], got.tokens[i], want)
		}
	}
}

func FuzzReadMetaTokens(f *testing.F) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	f.Add(encodeMeta(&recordMeta{Alias: "K7QMPTXRZ", Created: now, Fields: []string{"name", "email"},
		Consent: map[string]Consent{"marketing": {Granted: true, At: now}}, Hold: &Hold{Until: now, Reason: "x"},
		IndexVersion: 1, Index: map[string]string{"email": "0011223344556677"}}))
	f.Add([]byte(`{"alias":"K7QMPTXRZ","index_version":1,"index":{"name":"00112233445566778899aabbccddeeff"}}`))
	f.Add([]byte{metaEncoding})
	f.Add(append(encodeMeta(&recordMeta{Alias: "K7QMPTXRZ", Created: now}), 0x03, 1, 2))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Whatever the bytes, no panic; a value decodeMeta reads gives
		// the same tokens (format 1's JSON can hold a token that is not
		// hex, which decodeMeta keeps as text and readMetaTokens refuses),
		// and binary metadata reads exactly when decodeMeta reads it.
		got, ok := readMetaTokens(data)
		m, err := decodeMeta(data)
		if err == nil && hexTokens(m) {
			if !ok {
				t.Fatal("readMetaTokens refused a value decodeMeta reads")
			}
			assertSameTokens(t, m, got)
		}
		if len(data) > 0 && data[0] != '{' && ok != (err == nil) {
			t.Fatalf("readMetaTokens ok %v, decodeMeta error %v", ok, err)
		}
		// The entry tag's split of a record value is decodeMeta's.
		want := len(data)
		if err == nil && !m.sealedApart {
			want -= len(m.sealed)
		}
		if n := recordMetaLen(data); n != want {
			t.Fatalf("metadata length %d, decodeMeta says %d", n, want)
		}
	})
}

func hexTokens(m *recordMeta) bool {
	for _, h := range m.Index {
		if _, err := hex.DecodeString(h); err != nil {
			return false
		}
	}
	return true
}

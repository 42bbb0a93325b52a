package vault

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestMetaEncodingRoundTrip(t *testing.T) {
	day := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	now := time.Date(2026, 11, 22, 10, 3, 4, 123456789, time.UTC)
	before1970 := time.Date(1960, 1, 2, 3, 4, 5, 6, time.UTC)
	cases := map[string]recordMeta{
		"minimal": {Alias: "K7QMPTXRZ", Created: day, Updated: now, LastActivity: day, Fields: []string{"name"}},
		"everything": {
			Alias: "K7QMPTXRZ", Created: day, Updated: now, LastActivity: now,
			LastShipment: &now, ConsentWithdrawn: &day, ErasureRequested: &before1970,
			Fields:       []string{"name", "email", "phone", "line1", "line2", "city", "region", "postcode", "country", "note"},
			Consent:      map[string]Consent{"marketing": {Granted: true, At: day}, "sms": {At: now}},
			Hold:         &Hold{Until: now, Reason: "open dispute"},
			IndexVersion: 7,
			Index:        map[string]string{"email": "00112233445566778899aabbccddeeff", "name": "ffeeddccbbaa99887766554433221100"},
		},
		"with sealed value": {Alias: "K7QMPTXRZ", Created: day, Fields: []string{"name"}, sealed: []byte{0x03, 's', 1, 2, 3}},
		"no fields left":    {Alias: "K7QMPTXRZ", Created: day, Updated: now, LastActivity: day},
		"zero times":        {Alias: "K7QMPTXRZ"},
	}
	for name, m := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := decodeMeta(encodeMeta(&m))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, m) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", *got, m)
			}
		})
	}
}

func TestAliasEncodingRoundTrip(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 3, 4, 5, time.UTC)
	cases := map[string]aliasEntry{
		"primary": {Record: "0000018c6f1a2b3c4d5e6f70", Primary: true, Created: now},
		"courier": {Record: "0000018c6f1a2b3c4d5e6f70", Courier: "dhl", Note: "spring parcels", Created: now, Expires: &now},
		"revoked": {Record: "0000018c6f1a2b3c4d5e6f70", Created: now, Revoked: &now},
		"erased":  {Record: "0000018c6f1a2b3c4d5e6f70", Created: now, Erased: &now},
	}
	for name, a := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := decodeAlias(encodeAlias(&a))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, a) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, a)
			}
		})
	}
}

func TestDecodeRefusesDamagedValues(t *testing.T) {
	m := recordMeta{Alias: "K7QMPTXRZ", Fields: []string{"name"}, Index: map[string]string{"name": "00112233445566778899aabbccddeeff"}, IndexVersion: 1}
	good := encodeMeta(&m)
	for name, data := range map[string][]byte{
		"empty":           {},
		"unknown version": append([]byte{9}, good[1:]...),
		"truncated":       good[:len(good)-3],
		"trailing bytes":  append(append([]byte{metaEncodingApart}, good[1:]...), 0),
		"bad json":        []byte("{not json"),
	} {
		if _, err := decodeMeta(data); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
	a := encodeAlias(&aliasEntry{Record: "0000018c6f1a2b3c4d5e6f70"})
	if _, err := decodeAlias(a[:len(a)-1]); err == nil {
		t.Error("truncated alias entry decoded without error")
	}
}

// TestFormat1VaultStillOpens: a vault whose metadata and alias entries are
// format 1's JSON opens, reads, and is marked format 2 at its first write.
func TestFormat1VaultStillOpens(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	alias, err := v.Add(NewCustomer{Fields: map[string]string{"name": "Ada Obi", "email": "ada@example.com", "phone": "+44 20 7946 0001"}})
	if err != nil {
		t.Fatal(err)
	}
	// Rewrite the values as format 1 stored them.
	if err := v.db.Update(rewriteAsFormat1); err != nil {
		t.Fatal(err)
	}
	must(t, v.Close())
	// A real format-1 vault was never seen as format 3 by this machine:
	// without this, the rollback witness rightly refuses the downgraded file.
	must(t, os.RemoveAll(f.state))

	v = f.open(t)
	defer func() { must(t, v.Close()) }()
	c, err := v.Show(alias, []string{"name", "email"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Fields["name"] != "Ada Obi" || c.Fields["email"] != "ada@example.com" {
		t.Fatalf("format-1 record read back as %v", c.Fields)
	}
	if found, err := v.Find(FindQuery{Email: "ADA@example.com"}); err != nil || len(found) != 1 {
		t.Fatalf("find in a format-1 vault: %v, %v", found, err)
	}
	var format string
	must(t, v.db.View(func(tx *bolt.Tx) error {
		format = string(tx.Bucket(bMeta).Get(mFormat))
		if nestedKeys(tx) {
			t.Error("the keyring still has per-version buckets after a writable open")
		}
		return nil
	}))
	if format != FormatVersion {
		t.Fatalf("after a write the vault says format %q, want %q", format, FormatVersion)
	}
	if res, err := v.Check(false); err != nil || len(res.Problems) != 0 || res.IndexEntries != 3 {
		t.Fatalf("check after upgrade: %+v, %v", res, err)
	}
	// Duplicates are found through format-1 entries (phone and name).
	rows, _ := NewRowReader(strings.NewReader("name,phone\nADA OBI,+44 20 7946 0001\n"), "", nil)
	if res, err := v.Import(rows, ImportOptions{}); err != nil || res.Duplicates != 1 || res.Added != 0 {
		t.Fatalf("import of a duplicate into a format-1 vault: %+v, %v", res, err)
	}
	// Dropping the email keylessly removes its format-1 index entry.
	if _, err := v.Edit(alias, map[string]string{"email": ""}); err != nil {
		t.Fatal(err)
	}
	if found, err := v.Find(FindQuery{Email: "ada@example.com"}); err == nil || len(found) != 0 {
		t.Fatalf("find after the email was removed: %v, %v", found, err)
	}
	if res, err := v.Check(false); err != nil || len(res.Problems) != 0 {
		t.Fatalf("check after edit: %+v, %v", res, err)
	}
	// The edit moved the sealed value into the record's value.
	must(t, v.db.View(func(tx *bolt.Tx) error {
		if n := tx.Bucket(bFields).Stats().KeyN; n != 0 {
			t.Errorf("%d sealed values still apart after the edit", n)
		}
		return nil
	}))
	if c, err := v.Show(alias, []string{"name"}); err != nil || c.Fields["name"] != "Ada Obi" {
		t.Fatalf("after the move: %v, %v", c.Fields, err)
	}
}

func FuzzDecodeMeta(f *testing.F) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	f.Add(encodeMeta(&recordMeta{Alias: "K7QMPTXRZ", Created: now, Fields: []string{"name", "email"},
		Consent: map[string]Consent{"marketing": {Granted: true, At: now}}, Hold: &Hold{Until: now, Reason: "x"},
		IndexVersion: 1, Index: map[string]string{"email": "00112233445566778899aabbccddeeff"}}))
	f.Add(encodeAlias(&aliasEntry{Record: "0000018c6f1a2b3c4d5e6f70", Primary: true, Created: now}))
	f.Add([]byte(`{"alias":"K7QMPTXRZ"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Whatever the bytes, decoding returns a value or an error, and a
		// value that decodes encodes back to something that decodes equal.
		if m, err := decodeMeta(data); err == nil && data[0] != '{' {
			again, err := decodeMeta(encodeMeta(m))
			if err != nil || !reflect.DeepEqual(normalizedMeta(again), normalizedMeta(m)) {
				t.Fatalf("re-encoding changed the metadata: %+v vs %+v (%v)", again, m, err)
			}
		}
		_, _ = decodeAlias(data) // only a panic fails: any bytes may be refused
	})
}

// normalizedMeta drops the differences the encoding does not keep (time
// zones, empty vs nil maps, where a format-1 value kept its sealed value).
func normalizedMeta(m *recordMeta) recordMeta {
	c := *m
	c.sealedApart = false
	if len(c.sealed) == 0 {
		c.sealed = nil
	}
	if len(c.Consent) == 0 {
		c.Consent = nil
	}
	if len(c.Index) == 0 {
		c.Index = nil
		c.IndexVersion = 0
	}
	return c
}

// rewriteAsFormat1 rewrites a vault's values as format 1 stored them.
func rewriteAsFormat1(tx *bolt.Tx) error {
	if err := tx.Bucket(bMeta).Put(mFormat, []byte("1")); err != nil {
		return err
	}
	// Format 1 had no signed policy, head or signing keys.
	if err := tx.DeleteBucket(bPolicy); err != nil {
		return err
	}
	if err := tx.Bucket(bMeta).Delete(mHead); err != nil {
		return err
	}
	if tx.Bucket(bKeys).Bucket([]byte(groupSign)) != nil {
		if err := tx.Bucket(bKeys).DeleteBucket([]byte(groupSign)); err != nil {
			return err
		}
	}
	for _, b := range [][]byte{bRecords, bAliases} {
		c := tx.Bucket(b).Cursor()
		for k, data := c.First(); k != nil; k, data = c.Next() {
			var js []byte
			if string(b) == string(bRecords) {
				m, err := decodeMeta(data)
				if err != nil {
					return err
				}
				// Format 1's tokens were 16 bytes; the first 8 are
				// format 2's token.
				for kind, tok := range m.Index {
					m.Index[kind] = tok + "aaaaaaaaaaaaaaaa"
				}
				// ... and kept the sealed value in its own bucket.
				if err := tx.Bucket(bFields).Put(k, m.sealed); err != nil {
					return err
				}
				js, _ = json.Marshal(m)
			} else {
				a, err := decodeAlias(data)
				if err != nil {
					return err
				}
				js, _ = json.Marshal(a)
			}
			if err := tx.Bucket(b).Put(k, js); err != nil {
				return err
			}
		}
	}
	// Format 1 kept each key version in its own bucket.
	for _, g := range AllGroups {
		gb := tx.Bucket(bKeys).Bucket([]byte(g))
		type wrapped struct{ name, blob []byte }
		var flat []wrapped
		err := gb.ForEach(func(k, blob []byte) error {
			if k[0] == 'v' {
				flat = append(flat, wrapped{append([]byte{}, k...), append([]byte{}, blob...)})
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, w := range flat {
			ver, rid, _ := bytes.Cut(w.name, []byte("/"))
			vb, err := gb.CreateBucketIfNotExists(ver)
			if err != nil {
				return err
			}
			if err := vb.Put(rid, w.blob); err != nil {
				return err
			}
			if err := gb.Delete(w.name); err != nil {
				return err
			}
		}
	}
	vb := tx.Bucket(bIndex).Bucket(versionBucketName(1))
	var keys [][]byte
	if err := vb.ForEach(func(k, _ []byte) error { keys = append(keys, append([]byte{}, k...)); return nil }); err != nil {
		return err
	}
	for _, k := range keys {
		legacy := append(append(append([]byte{}, k[:len(k)-idLen]...), bytes.Repeat([]byte{0xaa}, 8)...), k[len(k)-idLen:]...)
		if err := vb.Delete(k); err != nil {
			return err
		}
		if err := vb.Put(legacy, nil); err != nil {
			return err
		}
	}
	return nil
}

package main

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/csv"
	"io"
	"os"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// floor is the least work an import can do: read the CSV, seal each
// record's fields in their groups, compute three blind index tokens, and put
// the record (metadata and sealed value in one value, as vault format 2
// stores it), index and alias entries into bbolt in batches of 10,000 with
// sorted keys. No validation, normalisation, duplicate check or CLI.
func floor(csvPath, dbPath string) {
	must(removeIfThere(dbPath))
	db, err := bolt.Open(dbPath, 0o600, nil)
	must(err)
	defer func() { must(db.Close()); must(os.Remove(dbPath)) }()
	key, _ := crypto.NewKey(rand.Reader)
	sealers := map[byte]*crypto.Sealer{}
	for code, g := range map[byte]string{'s': "shipping", 'c': "contact", 'n': "notes"} {
		sealers[code], _ = crypto.NewSealer(key, g, 1)
	}
	ix, _ := crypto.NewBlindIndexer(key, 1)
	in, err := os.Open(csvPath)
	must(err)
	defer func() { _ = in.Close() }() // read only: nothing to lose
	r := csv.NewReader(in)
	header, _ := r.Read()
	groupOf := map[string]byte{"email": 'c', "note": 'n'}
	var seq uint64 = uint64(time.Now().UnixNano())
	type kv struct{ k, v []byte }
	for done := false; !done; {
		var records, index, aliases []kv
		for len(records) < 10000 {
			rec, err := r.Read()
			if err == io.EOF {
				done = true
				break
			}
			must(err)
			seq++
			id := make([]byte, 12)
			for i := 0; i < 8; i++ {
				id[i] = byte(seq >> (56 - 8*i))
			}
			rand.Read(id[8:])
			byGroup := map[byte][]crypto.FieldValue{}
			for i, col := range header[:10] {
				if rec[i] == "" {
					continue
				}
				g := groupOf[col]
				if g == 0 {
					g = 's'
				}
				byGroup[g] = append(byGroup[g], crypto.FieldValue{Name: col, Code: byte(i + 1), Value: []byte(rec[i])})
			}
			var groups []crypto.SealedGroup
			for code, fv := range byGroup {
				sg, err := sealers[code].SealGroup(rand.Reader, code, id, fv)
				must(err)
				groups = append(groups, sg)
			}
			alias, _ := crypto.MintAlias(rand.Reader)
			// metadata of the same size as vault's encoding: alias, three
			// times, field mask, index version and the three tokens
			meta := append([]byte{2, 9}, alias...)
			now := time.Now().UTC()
			for range 3 {
				meta = binary.AppendVarint(append(meta, 1), now.Unix())
				meta = binary.AppendUvarint(meta, uint64(now.Nanosecond()))
			}
			meta = append(meta, 0, 0, 0, 0xfe, 0x07, 0, 2, 1, 7)
			for _, k := range []string{"email", "phone", "name"} {
				tok := ix.Token(k, rec[indexOf(header, k)])
				meta = append(append(meta, byte(len(tok))), tok...)
				index = append(index, kv{append(append([]byte(k[:1]), tok...), id...), nil})
			}
			records = append(records, kv{id, append(meta, crypto.EncodeRecord(groups)...)})
			aliases = append(aliases, kv{[]byte(alias), append(append([]byte{1, 12}, id...), 1, 1, 0, 0, 0, 0, 0)})
		}
		sort.Slice(index, func(i, j int) bool { return string(index[i].k) < string(index[j].k) })
		sort.Slice(aliases, func(i, j int) bool { return string(aliases[i].k) < string(aliases[j].k) })
		must(db.Update(func(tx *bolt.Tx) error {
			for name, list := range map[string][]kv{"records": records, "index": index, "aliases": aliases} {
				b, err := tx.CreateBucketIfNotExists([]byte(name))
				if err != nil {
					return err
				}
				if name == "records" {
					b.FillPercent = 0.95
				}
				for _, e := range list {
					if err := b.Put(e.k, e.v); err != nil {
						return err
					}
				}
			}
			return nil
		}))
	}
}

func indexOf(header []string, col string) int {
	for i, h := range header {
		if h == col {
			return i
		}
	}
	return 0
}

package vault

import (
	"bytes"
	"encoding/hex"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// An import commits customers in batches of 10,000 but writes their blind
// index and alias entries only for a growing tail of customers at once.
// Those keys are random, so each write dirties pages all over the index and
// alias B+trees; writing them for many customers at once rewrites each page
// a few times per import instead of once per batch. Until then the
// customers are the vault's "unindexed tail": meta/unindexed holds the
// first tail record's id, and every tail record's metadata holds its tokens
// and primary alias, so the entries can be written at any time, without a
// key, by indexTail. A crash mid-import leaves the marker; the next
// writable open completes the tail before it does anything else.

// The tail is written when it reaches half the customers already indexed
// (each write rewrites about the whole index, so writing in proportion to
// its size keeps the total linear), at least tailMinRows and at most
// tailMaxRows: its in-memory state costs about 170 bytes a customer.
const (
	tailMinRows = 20_000
	tailMaxRows = 200_000
)

var mUnindexed = []byte("unindexed")

// heldEntries are index and alias entries committed in records' metadata
// but not yet written to their buckets.
type heldEntries interface {
	has(ver uint32, key []byte) bool
	scanIndex(ver uint32, prefix []byte, fn func(key []byte))
	hasAlias(alias string) bool
}

// importTail is what lookups and alias minting need to know about the tail
// records while an import runs (their entries are not in bbolt yet).
type importTail struct {
	rows    int
	index   map[uint32]prefixIDs
	aliases map[[crypto.AliasLen]byte]struct{}
	// entries are what writeTail writes, so the records need not be read back
	entries []tailEntry
	// indexed is how many customers the vault had indexed before this tail
	indexed int
	// households carries over from tail to tail (import.go)
	households *households
}

type tailEntry struct {
	id      recordID
	alias   [crypto.AliasLen]byte
	created time.Time
	version uint32
	tokens  [3][crypto.TokenSize]byte
	present uint8 // bit i: tokens[i] is set
}

func newImportTail(indexed int, h *households) *importTail {
	return &importTail{index: map[uint32]prefixIDs{}, aliases: map[[crypto.AliasLen]byte]struct{}{}, indexed: indexed, households: h}
}

// due tells whether the tail should be written now.
func (t *importTail) due(maxRows int) bool {
	if maxRows > 0 { // tests
		return t.rows >= maxRows
	}
	return t.rows >= min(max(t.indexed/2, tailMinRows), tailMaxRows)
}

// tailChunks: the tail is written in this many transactions, each a
// contiguous range of index keys and of aliases, so one transaction holds
// an eighth of the B+tree pages a full write dirties (memory), while every
// page is still written about once.
const tailChunks = 8

// write writes the tail's index and alias entries in key order, chunk by
// chunk, and clears the marker with the last chunk. Puts are idempotent:
// after a crash between chunks, indexTail redoes the whole tail.
func (v *Vault) writeTail(t *importTail) error {
	type indexPut struct {
		version uint32
		key     indexEntry
	}
	var index []indexPut
	aliases := t.entries // sorted in place: the tail is done with after this
	for i := range t.entries {
		e := &t.entries[i]
		for k, kind := range indexKinds {
			if e.present&(1<<k) != 0 {
				index = append(index, indexPut{e.version, indexEntry(indexKey(kind, e.tokens[k][:], e.id))})
			}
		}
	}
	slices.SortFunc(index, func(a, b indexPut) int {
		if a.version != b.version {
			return int(a.version) - int(b.version)
		}
		return bytes.Compare(a.key[:], b.key[:])
	})
	slices.SortFunc(aliases, func(a, b tailEntry) int { return bytes.Compare(a.alias[:], b.alias[:]) })
	for c := range tailChunks {
		ix := index[len(index)*c/tailChunks : len(index)*(c+1)/tailChunks]
		as := aliases[len(aliases)*c/tailChunks : len(aliases)*(c+1)/tailChunks]
		err := v.update(func(tx *bolt.Tx) error {
			for _, p := range ix {
				vb, err := tx.Bucket(bIndex).CreateBucketIfNotExists(versionBucketName(p.version))
				if err != nil {
					return err
				}
				if err := vb.Put(p.key[:], nil); err != nil {
					return err
				}
			}
			for _, e := range as {
				a := aliasEntry{Record: e.id.String(), Primary: true, Created: e.created}
				if err := v.putTagged(tx, "aliases", e.alias[:], encodeAlias(&a)); err != nil {
					return err
				}
			}
			if c == tailChunks-1 {
				return tx.Bucket(bMeta).Delete(mUnindexed)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (t *importTail) add(w sealedRecord, alias string, created time.Time) {
	e := tailEntry{id: w.id, alias: [crypto.AliasLen]byte([]byte(alias)), created: created, version: w.indexVersion}
	for i, tok := range w.tokens {
		if tok != nil {
			e.present |= 1 << i
			copy(e.tokens[i][:], tok)
		}
	}
	t.entries = append(t.entries, e)
	ids, ok := t.index[w.indexVersion]
	if !ok {
		ids = newPrefixIDs()
		t.index[w.indexVersion] = ids
	}
	for i, tok := range w.tokens {
		if tok == nil {
			continue
		}
		var pre indexPrefix
		pre[0] = indexKinds[i]
		copy(pre[1:], tok)
		ids.add(pre, w.id)
	}
	t.aliases[[crypto.AliasLen]byte([]byte(alias))] = struct{}{}
	t.rows++
}

func (t *importTail) has(ver uint32, key []byte) bool {
	ids, ok := t.index[ver]
	return ok && ids.has(key)
}

func (t *importTail) scanIndex(ver uint32, prefix []byte, fn func(key []byte)) {
	if ids, ok := t.index[ver]; ok {
		ids.scan(prefix, func(indexEntry) bool { return true }, fn)
	}
}

func (t *importTail) hasAlias(a string) bool {
	if len(a) != crypto.AliasLen {
		return false
	}
	_, ok := t.aliases[[crypto.AliasLen]byte([]byte(a))]
	return ok
}

// markTail records the first unindexed record (once per tail).
func markTail(tx *bolt.Tx, first recordID) error {
	m := tx.Bucket(bMeta)
	if m.Get(mUnindexed) != nil {
		return nil
	}
	return m.Put(mUnindexed, first[:])
}

// indexTail writes the index and primary-alias entries of every record
// from meta/unindexed on, in key order, from their metadata alone, and
// clears the marker. Entries already present are left as they are.
func (v *Vault) indexTail(tx *bolt.Tx) error {
	m := tx.Bucket(bMeta)
	marker := m.Get(mUnindexed)
	if marker == nil {
		return nil
	}
	p := newPendingPuts()
	ab := tx.Bucket(bAliases)
	c := tx.Bucket(bRecords).Cursor()
	for k, data := c.Seek(marker); k != nil; k, data = c.Next() {
		var id recordID
		copy(id[:], k)
		meta, err := decodeRecord(tx, k, data)
		if err != nil {
			return &IntegrityError{What: "record " + id.String() + " metadata does not decode"}
		}
		for name, tokHex := range meta.Index {
			tok, err := hex.DecodeString(tokHex)
			if err != nil || len(tok) != crypto.TokenSize {
				return &IntegrityError{What: "record " + id.String() + " has a bad index token"}
			}
			p.putIndex(meta.IndexVersion, indexKey(kindByte(name), tok, id))
		}
		if meta.Alias != "" && ab.Get([]byte(meta.Alias)) == nil {
			e := aliasEntry{Record: id.String(), Primary: true, Created: meta.Updated}
			p.aliases[meta.Alias] = encodeAlias(&e)
		}
	}
	if err := p.flush(v, tx); err != nil {
		return err
	}
	return m.Delete(mUnindexed)
}

// completeTail writes the entries of an unindexed tail left by an
// interrupted import (update does it first thing when no import runs).
func (v *Vault) completeTail() error {
	if v.opts.ReadOnly || !v.mayTag() {
		// Keyless (cron) or not unlocked yet: the alias entries it would
		// write are tagged; the next write of a person does it.
		return nil
	}
	var marked bool
	if err := v.view(func(tx *bolt.Tx) error {
		marked = tx.Bucket(bMeta).Get(mUnindexed) != nil
		return nil
	}); err != nil || !marked {
		return err
	}
	return v.update(func(*bolt.Tx) error { return nil })
}

// indexedCustomers counts the vault's customers (the tail's yardstick).
func (v *Vault) indexedCustomers() (int, error) {
	n := 0
	err := v.view(func(tx *bolt.Tx) error {
		n = tx.Bucket(bRecords).Stats().KeyN
		return nil
	})
	return n, err
}

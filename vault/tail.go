package vault

import (
	"encoding/hex"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// An import commits customers in batches of 10,000 but writes their blind
// index and alias entries only every tailFlushRows rows (and at its end).
// Those keys are random, so each write dirties pages all over the index and
// alias B+trees; writing them for 200,000 customers at once rewrites each
// page once instead of twenty times. Until then the customers are the
// vault's "unindexed tail": meta/unindexed holds the first tail record's
// id, and every tail record's metadata holds its tokens and primary alias,
// so the entries can be written at any time, without a key, by indexTail.
// A crash mid-import leaves the marker; the next write transaction of any
// command completes the tail before it does anything else.

// tailFlushRows bounds the unindexed tail: its in-memory lookup set costs
// about 60 bytes a customer.
const tailFlushRows = 200_000

var mUnindexed = []byte("unindexed")

// importTail is what lookups and alias minting need to know about the tail
// records while an import runs (their entries are not in bbolt yet).
type importTail struct {
	rows    int
	index   map[uint32]*tailIndex
	aliases map[[crypto.AliasLen]byte]struct{}
}

type tailIndex struct {
	first map[indexPrefix]recordID
	more  map[indexPrefix][]recordID
}

func newImportTail() *importTail {
	return &importTail{index: map[uint32]*tailIndex{}, aliases: map[[crypto.AliasLen]byte]struct{}{}}
}

func (t *importTail) add(w sealedRecord, alias string) {
	ti := t.index[w.indexVersion]
	if ti == nil {
		ti = &tailIndex{first: map[indexPrefix]recordID{}, more: map[indexPrefix][]recordID{}}
		t.index[w.indexVersion] = ti
	}
	for i, tok := range w.tokens {
		if tok == nil {
			continue
		}
		var pre indexPrefix
		pre[0] = indexKinds[i]
		copy(pre[1:], tok)
		if _, ok := ti.first[pre]; !ok {
			ti.first[pre] = w.id
		} else {
			ti.more[pre] = append(ti.more[pre], w.id)
		}
	}
	t.aliases[[crypto.AliasLen]byte([]byte(alias))] = struct{}{}
	t.rows++
}

func (t *importTail) scanIndex(ver uint32, prefix []byte, fn func(key []byte)) {
	ti := t.index[ver]
	if ti == nil || len(prefix) != indexPrefixLen {
		return
	}
	pre := indexPrefix(prefix)
	first, ok := ti.first[pre]
	if !ok {
		return
	}
	for _, id := range append([]recordID{first}, ti.more[pre]...) {
		var e indexEntry
		copy(e[:], pre[:])
		copy(e[indexPrefixLen:], id[:])
		fn(e[:])
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
func indexTail(tx *bolt.Tx) error {
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
	if err := p.flush(tx); err != nil {
		return err
	}
	return m.Delete(mUnindexed)
}

// completeTail writes the entries of an unindexed tail left by an
// interrupted import (update does it first thing when no import runs).
func (v *Vault) completeTail() error {
	if v.opts.ReadOnly {
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

func (v *Vault) tailRows() int {
	if v.opts.tailRows > 0 {
		return v.opts.tailRows
	}
	return tailFlushRows
}

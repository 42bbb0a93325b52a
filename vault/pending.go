package vault

import (
	"bytes"
	"slices"
	"sort"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// pendingPuts holds a batch's writes to buckets with random keys (blind
// index, aliases) so they can be applied in key order at the end of the
// batch: bbolt takes sorted keys several times faster than random ones, and
// a batch then dirties each page once. Lookups inside the batch consult it,
// so duplicates within one batch are still found.
type pendingPuts struct {
	index   map[uint32]*pendingIndex // by index key version
	aliases map[string][]byte        // canonical alias -> encoded entry
	// index deletions, applied sorted before the puts
	dels map[uint32][]string
	// the index buckets lookups use during the batch (indexBuckets)
	indexBuckets []indexBucket
}

const indexPrefixLen = 1 + crypto.TokenSize

// indexEntry is a blind index key: kind || token || record id. Fixed-size
// arrays as map keys keep a batch's 30,000 entries from being 30,000
// separate allocations.
type indexEntry [indexPrefixLen + idLen]byte

type indexPrefix [indexPrefixLen]byte

// pendingIndex is one index version's pending entries.
type pendingIndex struct {
	puts map[indexEntry]struct{}
	// the records under each prefix; an id whose entry was deleted again
	// is skipped by scan
	ids prefixIDs
}

// prefixIDs maps an index prefix (kind || token) to the records under it.
// Most prefixes have one record; several share a name or a phone.
type prefixIDs struct {
	first map[indexPrefix]recordID
	more  map[indexPrefix][]recordID
}

func newPrefixIDs() prefixIDs {
	return prefixIDs{first: map[indexPrefix]recordID{}, more: map[indexPrefix][]recordID{}}
}

func (p prefixIDs) add(pre indexPrefix, id recordID) {
	if _, ok := p.first[pre]; !ok {
		p.first[pre] = id
	} else {
		p.more[pre] = append(p.more[pre], id)
	}
}

// has tells whether id is under the prefix of key (kind || token || id).
func (p prefixIDs) has(key []byte) bool {
	if len(key) != len(indexEntry{}) {
		return false
	}
	pre := indexPrefix(key[:indexPrefixLen])
	id := recordID(key[indexPrefixLen:])
	first, ok := p.first[pre]
	if !ok {
		return false
	}
	return first == id || slices.Contains(p.more[pre], id)
}

// scan calls fn with the index key of each record under prefix for which
// live says yes.
func (p prefixIDs) scan(prefix []byte, live func(indexEntry) bool, fn func(key []byte)) {
	if len(prefix) != indexPrefixLen {
		return
	}
	pre := indexPrefix(prefix)
	first, ok := p.first[pre]
	if !ok {
		return
	}
	for _, id := range append([]recordID{first}, p.more[pre]...) {
		var e indexEntry
		copy(e[:], pre[:])
		copy(e[indexPrefixLen:], id[:])
		if live(e) {
			fn(e[:])
		}
	}
}

func newPendingPuts() *pendingPuts {
	return &pendingPuts{index: map[uint32]*pendingIndex{}, aliases: map[string][]byte{}, dels: map[uint32][]string{}}
}

func (p *pendingPuts) version(ver uint32) *pendingIndex {
	pi := p.index[ver]
	if pi == nil {
		pi = &pendingIndex{puts: map[indexEntry]struct{}{}, ids: newPrefixIDs()}
		p.index[ver] = pi
	}
	return pi
}

func (p *pendingPuts) putIndex(ver uint32, key []byte) {
	var e indexEntry
	copy(e[:], key)
	pi := p.version(ver)
	if _, dup := pi.puts[e]; dup {
		return
	}
	pi.puts[e] = struct{}{}
	var pre indexPrefix
	copy(pre[:], key)
	var id recordID
	copy(id[:], key[indexPrefixLen:])
	pi.ids.add(pre, id)
}

// deleteIndex removes a pending entry.
func (p *pendingPuts) deleteIndex(ver uint32, key []byte) {
	if pi := p.index[ver]; pi != nil && len(key) == len(indexEntry{}) {
		delete(pi.puts, indexEntry(key))
	}
}

// has tells whether an index entry is pending.
func (p *pendingPuts) has(ver uint32, key []byte) bool {
	pi := p.index[ver]
	if pi == nil || len(key) != len(indexEntry{}) {
		return false
	}
	_, ok := pi.puts[indexEntry(key)]
	return ok
}

// scanIndex calls fn for pending keys of version ver with prefix.
func (p *pendingPuts) scanIndex(ver uint32, prefix []byte, fn func(key []byte)) {
	if pi := p.index[ver]; pi != nil {
		pi.ids.scan(prefix, func(e indexEntry) bool { _, live := pi.puts[e]; return live }, fn)
	}
}

// updateBatch is update for long operations (import, rotation, purge):
// the random-key writes fn makes are collected and applied in key order
// just before the commit.
func (v *Vault) updateBatch(fn func(tx *bolt.Tx) error) error {
	v.pending = newPendingPuts()
	defer func() { v.pending = nil }()
	return v.update(func(tx *bolt.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		p := v.pending
		v.pending = nil
		return p.flush(v, tx)
	})
}

func (p *pendingPuts) flush(v *Vault, tx *bolt.Tx) error {
	for ver, keys := range p.dels {
		vb := tx.Bucket(bIndex).Bucket(versionBucketName(ver))
		if vb == nil {
			continue
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := vb.Delete([]byte(k)); err != nil {
				return err
			}
		}
	}
	for ver, pi := range p.index {
		vb, err := tx.Bucket(bIndex).CreateBucketIfNotExists(versionBucketName(ver))
		if err != nil {
			return err
		}
		sorted := make([]indexEntry, 0, len(pi.puts))
		for e := range pi.puts {
			sorted = append(sorted, e)
		}
		slices.SortFunc(sorted, func(a, b indexEntry) int { return bytes.Compare(a[:], b[:]) })
		for i := range sorted {
			if err := vb.Put(sorted[i][:], nil); err != nil {
				return err
			}
		}
	}
	sorted := make([]string, 0, len(p.aliases))
	for k := range p.aliases {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		if err := v.putTagged(tx, "aliases", []byte(k), p.aliases[k]); err != nil {
			return err
		}
	}
	return nil
}

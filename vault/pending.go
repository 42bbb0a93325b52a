package vault

import (
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
	// index version -> kind||token prefix -> full keys (prefix||record id)
	index   map[uint32]map[string]map[string]bool
	aliases map[string][]byte // canonical alias -> entry JSON
	// index deletions, applied sorted before the puts
	dels map[uint32][]string
}

const indexPrefixLen = 1 + crypto.TokenSize

func newPendingPuts() *pendingPuts {
	return &pendingPuts{index: map[uint32]map[string]map[string]bool{}, aliases: map[string][]byte{}, dels: map[uint32][]string{}}
}

func (p *pendingPuts) putIndex(ver uint32, key []byte) {
	if p.index[ver] == nil {
		p.index[ver] = map[string]map[string]bool{}
	}
	pre := string(key[:indexPrefixLen])
	if p.index[ver][pre] == nil {
		p.index[ver][pre] = map[string]bool{}
	}
	p.index[ver][pre][string(key)] = true
}

// deleteIndex removes a pending entry.
func (p *pendingPuts) deleteIndex(ver uint32, key []byte) {
	if len(key) >= indexPrefixLen {
		delete(p.index[ver][string(key[:indexPrefixLen])], string(key))
	}
}

// scanIndex calls fn for pending keys of version ver with prefix.
func (p *pendingPuts) scanIndex(ver uint32, prefix []byte, fn func(key []byte)) {
	for k := range p.index[ver][string(prefix)] {
		fn([]byte(k))
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
		return p.flush(tx)
	})
}

func (p *pendingPuts) flush(tx *bolt.Tx) error {
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
	for ver, keys := range p.index {
		vb, err := tx.Bucket(bIndex).CreateBucketIfNotExists(versionBucketName(ver))
		if err != nil {
			return err
		}
		var sorted []string
		for _, set := range keys {
			for k := range set {
				sorted = append(sorted, k)
			}
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			if err := vb.Put([]byte(k), nil); err != nil {
				return err
			}
		}
	}
	ab := tx.Bucket(bAliases)
	sorted := make([]string, 0, len(p.aliases))
	for k := range p.aliases {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		if err := ab.Put([]byte(k), p.aliases[k]); err != nil {
			return err
		}
	}
	return nil
}

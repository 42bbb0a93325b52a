package vault

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// A rotation batch runs in three steps inside its transaction: the
// transaction's goroutine reads the batch's records; workers, one per core,
// open, re-seal, re-index, encode and tag each record (the work that
// costs); the transaction's goroutine then writes the new values in key
// order and adds the tags to the sums. Nothing writes to the file while
// the workers read it, so the values they read are the ones overwritten.

// rotateKeys is what a batch's workers share: every key version a record
// may be sealed under and the versions it goes to. Sealers are safe for
// concurrent use; blind indexers and entry taggers are not, so each
// worker derives its own from the keys.
type rotateKeys struct {
	groups []Group
	to     map[Group]uint32
	// sealers holds a sealer, or why there is none, per group and version.
	sealers map[groupVersion]sealerOrErr
	// indexKey is the index key's new version; nil when the index is not
	// rotated.
	indexKey []byte
	// stateKey is the state key version the transaction's sums are kept
	// under; nil when they are recomputed at its end (no tags needed).
	stateKey     []byte
	stateVersion uint32
	rand         io.Reader
}

type groupVersion struct {
	group   Group
	version uint32
}

type sealerOrErr struct {
	sealer *crypto.Sealer
	err    error
}

// rotateItem is one record of a batch: what was read and what the workers
// made of it.
type rotateItem struct {
	key []byte
	old []byte
	// apart: a format-1 record, whose sealed value (apartSealed) is kept
	// in the fields bucket until it is rewritten.
	apart       bool
	apartSealed []byte

	value   []byte // nil: the record needs no change
	metaLen int
	tags    *recordTags
	err     error
}

// recordTags are the entry tags of a record's old and new value under the
// state key version the transaction keeps its sums in.
type recordTags struct {
	version  uint32
	old, new entryTag
}

// rotateKeysFor gathers the keys a batch needs. tags is the transaction's
// tag state (tracking), nil for a vault before format 3.
func (v *Vault) rotateKeysFor(tx *bolt.Tx, r *rotation, tags *txTags) (*rotateKeys, error) {
	k := &rotateKeys{groups: r.Groups, to: r.To, sealers: map[groupVersion]sealerOrErr{}, rand: v.opts.Rand}
	for _, g := range SealedGroups {
		if !slices.Contains(r.Groups, g) {
			continue
		}
		for _, ver := range keyVersions(tx, g) {
			s, err := v.keys.sealer(tx, g, ver)
			k.sealers[groupVersion{g, ver}] = sealerOrErr{s, err}
		}
	}
	if slices.Contains(r.Groups, GroupIndex) {
		// Opening name, phone and email for their tokens needs the
		// sealers of their groups even where those are not rotated.
		for _, g := range SealedGroups {
			for _, ver := range keyVersions(tx, g) {
				if _, ok := k.sealers[groupVersion{g, ver}]; !ok {
					s, err := v.keys.sealer(tx, g, ver)
					k.sealers[groupVersion{g, ver}] = sealerOrErr{s, err}
				}
			}
		}
		key, err := v.keys.key(tx, GroupIndex, r.To[GroupIndex])
		if err != nil {
			return nil, err
		}
		k.indexKey = key
	}
	if tags != nil && tags.tagger != nil && tags.incremental {
		key, err := v.keys.key(tx, GroupState, tags.version)
		if err != nil {
			return nil, err
		}
		k.stateKey, k.stateVersion = key, tags.version
	}
	return k, nil
}

func (k *rotateKeys) sealerFor(group Group, version uint32) (*crypto.Sealer, error) {
	s, ok := k.sealers[groupVersion{group, version}]
	if !ok {
		return nil, &IntegrityError{What: fmt.Sprintf("the keyring has no version %d of the %s key", version, group)}
	}
	return s.sealer, s.err
}

// rotateWorker is one goroutine's share of a batch.
type rotateWorker struct {
	keys    *rotateKeys
	indexer *crypto.BlindIndexer
	tagger  *tagger
}

func (k *rotateKeys) newWorker() (*rotateWorker, error) {
	w := &rotateWorker{keys: k}
	var err error
	if k.indexKey != nil {
		if w.indexer, err = crypto.NewBlindIndexer(k.indexKey, k.to[GroupIndex]); err != nil {
			return nil, err
		}
	}
	if k.stateKey != nil {
		if w.tagger, err = newTagger(k.stateKey, k.stateVersion); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// rotateItems runs the workers over a batch; each item carries its own
// result or error.
func (k *rotateKeys) rotateItems(items []rotateItem) error {
	n := min(runtime.GOMAXPROCS(0), max(1, len(items)/64))
	workers := make([]*rotateWorker, n)
	for i := range workers {
		w, err := k.newWorker()
		if err != nil {
			return err
		}
		workers[i] = w
	}
	// Items are handed out in small runs so that both cores finish
	// together even when records differ in size.
	const run = 32
	var next atomic.Int64
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				start := int(next.Add(run)) - run
				if start >= len(items) {
					return
				}
				for i := start; i < min(start+run, len(items)); i++ {
					items[i].err = w.rotate(&items[i])
				}
			}
		}()
	}
	wg.Wait()
	return nil
}

// rotate re-seals the rotated groups of one record that are still under
// an old version, re-computes its tokens when the index key is rotated,
// and encodes and tags the new value. It reads nothing but the item.
func (w *rotateWorker) rotate(it *rotateItem) error {
	k := w.keys
	var id recordID
	copy(id[:], it.key)
	m, err := decodeMeta(it.old)
	if err != nil {
		return &IntegrityError{What: fmt.Sprintf("record %s metadata does not decode", id)}
	}
	oldMetaLen := len(it.old)
	if m.sealedApart {
		m.sealed = it.apartSealed
	} else {
		oldMetaLen -= len(m.sealed)
	}
	groups, err := loadSealed(id, m)
	if err != nil {
		return err
	}
	var reseal []Group
	reindex := false
	for _, g := range k.groups {
		switch g {
		case GroupShipping, GroupContact, GroupNotes:
			if sg := findGroup(groups, g); sg != nil && sg.Version != k.to[g] {
				reseal = append(reseal, g)
			}
		case GroupIndex:
			reindex = m.IndexVersion != k.to[g]
		}
	}
	if len(reseal) == 0 && !reindex {
		return nil
	}
	var want []string
	for _, f := range m.Fields {
		if slices.Contains(reseal, FieldGroup[f]) || (reindex && fieldKind[f] != 0) {
			want = append(want, f)
		}
	}
	vals, err := openFields(id, m, groups, want, k.sealerFor)
	if err != nil {
		return err
	}
	for _, g := range reseal {
		var fv []crypto.FieldValue
		for _, f := range m.Fields {
			if FieldGroup[f] == g {
				fv = append(fv, crypto.FieldValue{Name: f, Code: fieldCode[f], Value: []byte(vals[f])})
			}
		}
		s, err := k.sealerFor(g, k.to[g])
		if err != nil {
			return err
		}
		resealed, err := s.SealGroup(k.rand, groupCode[g], id[:], fv)
		if err != nil {
			return err
		}
		*findGroup(groups, g) = resealed
	}
	if len(reseal) > 0 {
		setSealed(m, groups)
	}
	if reindex {
		// The old version's entries are not deleted one by one (random
		// writes); its whole bucket goes when the rotation finishes.
		// Until then lookups see both versions, which name the same records.
		m.Index = map[string]string{}
		m.IndexVersion = k.to[GroupIndex]
		for kind, val := range indexValues(vals) {
			m.Index[kindNames[kind]] = hex.EncodeToString(w.indexer.Token(kindNames[kind], val))
		}
	}
	it.value = encodeMeta(m)
	it.metaLen = len(it.value) - len(m.sealed)
	if w.tagger != nil {
		it.tags = &recordTags{
			version: k.stateVersion,
			old:     w.tagger.tagHash("records", it.key, recordHash(it.old, oldMetaLen)),
			new:     w.tagger.tagHash("records", it.key, recordHash(it.value, it.metaLen)),
		}
	}
	return nil
}

// writeRotated stores a batch's new values in key order with their tags.
// Their index entries under the new version are written at the end
// (writeRotatedIndex).
func (v *Vault) writeRotated(tx *bolt.Tx, items []rotateItem) error {
	for i := range items {
		it := &items[i]
		if it.err != nil {
			return it.err
		}
		if it.value == nil {
			continue
		}
		if err := v.putTaggedRecordTags(tx, it.key, it.value, it.metaLen, it.tags); err != nil {
			return err
		}
		if it.apart {
			if err := tx.Bucket(bFields).Delete(it.key); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeRotatedIndex writes the entries of index version ver for every
// record, from the tokens in their metadata, sorted, in tailChunks
// key-range transactions. Written batch by batch instead, their random
// keys made every batch rewrite most pages of the growing index (a third
// of a 1M-customer rotation). Until the rotation finishes, lookups find
// every record through the old version's entries, which are complete, and
// holdsToken compares the searched value with the record's own tokens
// under the version its metadata names. Puts are idempotent: a rotation
// interrupted here writes them all again when it resumes.
func (v *Vault) writeRotatedIndex(ver uint32) error {
	var keys []indexEntry
	err := v.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bRecords).ForEach(func(k, data []byte) error {
			var id recordID
			copy(id[:], k)
			t, ok := readMetaTokens(data)
			if !ok {
				return &IntegrityError{What: fmt.Sprintf("record %s metadata does not decode", id)}
			}
			if t.version != ver {
				return nil
			}
			for i, tok := range t.tokens {
				if tok == nil {
					continue
				}
				if len(tok) != crypto.TokenSize {
					return &IntegrityError{What: fmt.Sprintf("record %s has a bad index token", id)}
				}
				keys = append(keys, indexEntry(indexKey(indexKinds[i], tok, id)))
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	order := sortedIndexEntries(keys)
	for c := range tailChunks {
		chunk := order[len(order)*c/tailChunks : len(order)*(c+1)/tailChunks]
		err := v.update(func(tx *bolt.Tx) error {
			vb, err := tx.Bucket(bIndex).CreateBucketIfNotExists(versionBucketName(ver))
			if err != nil {
				return err
			}
			for _, e := range chunk {
				if err := vb.Put(keys[e.at][:], nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if c+1 == v.opts.crashAfterIndexChunks {
			return ErrCrashHook
		}
	}
	return nil
}

// indexOrder is an index key's place in a slice, with its first eight
// bytes (kind and most of a random token) as one integer, which almost
// always decides the order: sorting these instead of the 21-byte keys
// with bytes.Compare takes a third of the time (3M keys: 40% of the index
// write before).
type indexOrder struct {
	first uint64
	at    int
}

// sortedIndexEntries gives keys' places in bbolt's (byte) order.
func sortedIndexEntries(keys []indexEntry) []indexOrder {
	order := make([]indexOrder, len(keys))
	for i := range keys {
		order[i] = indexOrder{binary.BigEndian.Uint64(keys[i][:8]), i}
	}
	slices.SortFunc(order, func(a, b indexOrder) int {
		if c := cmp.Compare(a.first, b.first); c != 0 {
			return c
		}
		return bytes.Compare(keys[a.at][8:], keys[b.at][8:])
	})
	return order
}

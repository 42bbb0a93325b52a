package vault

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// sealedRecord is a customer's values sealed and blind-indexed, ready to be
// stored: built inside a transaction by writeFields, or ahead of the
// transactions by import's preparing goroutine (on the other core).
type sealedRecord struct {
	id           recordID
	sealed       []byte // crypto.EncodeRecord; nil when no field
	sealedHash   [32]byte
	present      uint64 // bit 1<<fieldCode of each field held
	indexVersion uint32
	tokens       [3][]byte // by indexKinds position; nil when absent
}

// token returns the token of an index kind (nil when absent).
func (w *sealedRecord) token(kind byte) []byte {
	for i, k := range indexKinds {
		if k == kind {
			return w.tokens[i]
		}
	}
	return nil
}

// recordSealer seals and indexes under fixed key versions. It is used by
// one goroutine at a time (the blind indexer reuses its HMAC state).
type recordSealer struct {
	rand      io.Reader
	sealerFor func(group Group) (*crypto.Sealer, error)
	indexer   *crypto.BlindIndexer
}

// seal seals values (normalised) for record id, each group under a fresh
// nonce, and computes the record's blind index tokens.
func (s *recordSealer) seal(id recordID, values map[string]string) (sealedRecord, error) {
	w := sealedRecord{id: id, indexVersion: s.indexer.Version()}
	var groups []crypto.SealedGroup
	for _, g := range SealedGroups {
		var fv []crypto.FieldValue
		for _, f := range FieldNames {
			if FieldGroup[f] == g && values[f] != "" {
				fv = append(fv, crypto.FieldValue{Name: f, Code: fieldCode[f], Value: []byte(values[f])})
				w.present |= 1 << fieldCode[f]
			}
		}
		if len(fv) == 0 {
			continue
		}
		sealer, err := s.sealerFor(g)
		if err != nil {
			return w, err
		}
		sg, err := sealer.SealGroup(s.rand, groupCode[g], id[:], fv)
		if err != nil {
			return w, err
		}
		groups = append(groups, sg)
	}
	if len(groups) > 0 {
		w.sealed = crypto.EncodeRecord(groups)
	}
	// Half of the record's entry tag, off the transaction's goroutine.
	w.sealedHash = sha256.Sum256(w.sealed)
	vals := indexValues(values)
	for i, kind := range indexKinds {
		if val, ok := vals[kind]; ok {
			w.tokens[i] = s.indexer.Token(kindNames[kind], val)
		}
	}
	return w, nil
}

// txSealer seals with the keys current in tx.
func (v *Vault) txSealer(tx *bolt.Tx) (*recordSealer, error) {
	ver, err := currentVersion(tx, GroupIndex)
	if err != nil {
		return nil, err
	}
	ix, err := v.keys.indexer(tx, ver)
	if err != nil {
		return nil, err
	}
	return &recordSealer{rand: v.opts.Rand, indexer: ix,
		sealerFor: func(g Group) (*crypto.Sealer, error) { return v.keys.currentSealer(tx, g) }}, nil
}

// writeFields seals the given (normalised) values under the current group
// keys as the record's one sealed value and replaces its index entries.
// Callers have checked the session opens every group of the values, and
// store m afterwards.
func (v *Vault) writeFields(tx *bolt.Tx, id recordID, m *recordMeta, values map[string]string) error {
	s, err := v.txSealer(tx)
	if err != nil {
		return err
	}
	w, err := s.seal(id, values)
	if err != nil {
		return err
	}
	return v.applySealed(tx, m, w, false)
}

// applySealed puts a sealed record's value into m and its index entries
// into the index (deferred and sorted in a batch; not written at all for
// an import's tail record, whose metadata alone is enough to write them).
func (v *Vault) applySealed(tx *bolt.Tx, m *recordMeta, w sealedRecord, tail bool) error {
	m.sealed, m.sealedHash = w.sealed, &w.sealedHash
	m.Fields = fieldsOf(w.present)
	if err := v.deleteIndex(tx, w.id, m); err != nil {
		return err
	}
	vb, err := tx.Bucket(bIndex).CreateBucketIfNotExists(versionBucketName(w.indexVersion))
	if err != nil {
		return err
	}
	m.Index = make(map[string]string, len(w.tokens))
	m.IndexVersion = w.indexVersion
	for i, tok := range w.tokens {
		if tok == nil {
			continue
		}
		kind := indexKinds[i]
		key := indexKey(kind, tok, w.id)
		if tail {
			// written by indexTail
		} else if v.pending != nil {
			v.pending.putIndex(w.indexVersion, key)
		} else if err := vb.Put(key, nil); err != nil {
			return err
		}
		m.Index[kindNames[kind]] = hex.EncodeToString(tok)
	}
	return nil
}

// aheadSealer seals import rows on the preparing goroutine, under the key
// versions current when the import started; each batch checks they still
// are (a resumed rotation may have moved them) before using its work.
type aheadSealer struct {
	sealer   recordSealer
	ids      idMinter
	now      func() time.Time
	versions map[Group]uint32
}

// aheadSealer returns nil (no work ahead) when this session cannot seal
// every group: the batch transaction then reports the missing role.
func (v *Vault) aheadSealer() (*aheadSealer, error) {
	var a *aheadSealer
	err := v.view(func(tx *bolt.Tx) error {
		versions := map[Group]uint32{}
		sealers := map[Group]*crypto.Sealer{}
		for _, g := range append([]Group{GroupIndex}, SealedGroups...) {
			ver, err := currentVersion(tx, g)
			if err != nil {
				return err
			}
			versions[g] = ver
			if g == GroupIndex {
				continue
			}
			s, err := v.keys.sealer(tx, g, ver)
			if err != nil {
				return nil
			}
			sealers[g] = s
		}
		key, err := v.keys.key(tx, GroupIndex, versions[GroupIndex])
		if err != nil {
			return nil
		}
		// Its own indexer: the keyring's is not safe for two goroutines.
		ix, err := crypto.NewBlindIndexer(key, versions[GroupIndex])
		if err != nil {
			return err
		}
		a = &aheadSealer{
			sealer: recordSealer{rand: v.opts.Rand, indexer: ix,
				sealerFor: func(g Group) (*crypto.Sealer, error) { return sealers[g], nil }},
			ids:      idMinter{last: v.ids.last, rand: v.opts.Rand},
			now:      v.now,
			versions: versions,
		}
		return nil
	})
	return a, err
}

func (a *aheadSealer) seal(values map[string]string) (sealedRecord, error) {
	id, err := a.ids.next(a.now())
	if err != nil {
		return sealedRecord{}, err
	}
	return a.sealer.seal(id, values)
}

// current tells whether the work ahead used the keys current in tx.
func (a *aheadSealer) current(tx *bolt.Tx) (bool, error) {
	if a == nil {
		return false, nil
	}
	for g, ver := range a.versions {
		cur, err := currentVersion(tx, g)
		if err != nil {
			return false, err
		}
		if cur != ver {
			return false, nil
		}
	}
	return true, nil
}

package vault

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// CheckProblem is one thing check found wrong; Record is the record id when
// the problem belongs to one (restic's checker style: errors carry ids).
type CheckProblem struct {
	Record string `json:"record,omitempty"`
	What   string `json:"what"`
}

// CheckResult is the outcome of check.
type CheckResult struct {
	Records      int            `json:"records"`
	SealedOpened int            `json:"sealed_values_opened"`
	IndexEntries int            `json:"index_entries"`
	Aliases      int            `json:"aliases"`
	AuditEntries int            `json:"audit_entries"`
	MetadataOnly bool           `json:"metadata_only"`
	Problems     []CheckProblem `json:"problems"`
	Hints        []string       `json:"hints,omitempty"`
}

// Check verifies the whole vault: bbolt's own consistency, every record's
// metadata, sealed values present and (with keys) opening under their key
// version, index entries matching records, the alias table, shipments, and
// the audit chain. metadataOnly skips everything that needs a key.
func (v *Vault) Check(metadataOnly bool) (CheckResult, error) {
	res := CheckResult{MetadataOnly: metadataOnly, Problems: []CheckProblem{}}
	add := func(rec, format string, args ...any) {
		res.Problems = append(res.Problems, CheckProblem{Record: rec, What: fmt.Sprintf(format, args...)})
	}
	err := v.view(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			add("", "database: %v", err)
		}
		if !metadataOnly {
			if err := v.need(tx, AllGroups...); err != nil {
				return err
			}
		}
		if err := auditChainOK(tx); err != nil {
			add("", "%v", err)
		}
		res.AuditEntries = tx.Bucket(bAudit).Stats().KeyN
		// Records and their sealed fields.
		metas := map[recordID]*recordMeta{}
		err := tx.Bucket(bRecords).ForEach(func(k, data []byte) error {
			var id recordID
			if len(k) != idLen {
				add(hex.EncodeToString(k), "record key has the wrong length")
				return nil
			}
			copy(id[:], k)
			m, err := decodeRecord(tx, k, data)
			if err != nil {
				add(id.String(), "metadata does not decode")
				return nil
			}
			metas[id] = m
			res.Records++
			var groups []crypto.SealedGroup
			if m.sealed != nil {
				var err error
				if groups, err = crypto.ParseRecord(m.sealed); err != nil {
					add(id.String(), "the sealed value does not parse")
					return nil
				}
			}
			held := map[byte]bool{}
			for _, g := range groups {
				for _, sf := range g.Fields {
					held[sf.Code] = true
				}
			}
			for _, f := range m.Fields {
				g := findGroup(groups, FieldGroup[f])
				if g == nil || !held[fieldCode[f]] {
					add(id.String(), "field %s is listed but missing", f)
					continue
				}
				delete(held, fieldCode[f])
				if metadataOnly {
					continue
				}
				s, err := v.keys.sealer(tx, FieldGroup[f], g.Version)
				if err != nil {
					var ie *IntegrityError
					if errors.As(err, &ie) {
						add(id.String(), "field %s: %s", f, ie.What)
						continue
					}
					return err
				}
				if _, err := s.OpenField(g, id[:], f, fieldCode[f]); err != nil {
					add(id.String(), "field %s does not authenticate (tampered or moved)", f)
					continue
				}
				res.SealedOpened++
			}
			if len(held) > 0 {
				add(id.String(), "the sealed value holds %d field(s) the record does not list", len(held))
			}
			if !metadataOnly && len(m.Index) > 0 {
				vals, err := v.readFields(tx, id, m, []string{"name", "email", "phone"})
				if err == nil {
					ix, err := v.keys.indexer(tx, m.IndexVersion)
					if err != nil {
						return err
					}
					for kind, val := range indexValues(vals) {
						if tokenPrefix(m.Index[kindNames[kind]]) != hex.EncodeToString(ix.Token(kindNames[kind], val)) {
							add(id.String(), "%s index token does not match the sealed value", kindNames[kind])
						}
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		// Format-1 sealed values (kept apart) that belong to no record.
		tx.Bucket(bFields).ForEach(func(k, _ []byte) error {
			var id recordID
			copy(id[:], k)
			if len(k) != idLen || metas[id] == nil || !metas[id].sealedApart {
				add(hex.EncodeToString(k), "a sealed value belongs to no record")
			}
			return nil
		})
		// Blind index entries point at records that list them. Mid-rotation
		// the previous index version is left whole until the end: skip it.
		curIndex, err := currentVersion(tx, GroupIndex)
		if err != nil {
			return err
		}
		rotating := tx.Bucket(bMeta).Get(mRotation) != nil
		// Customers from meta/unindexed on are an interrupted import's
		// tail: their entries are written by the next write (tail.go).
		marker := tx.Bucket(bMeta).Get(mUnindexed)
		inTail := func(id recordID) bool { return marker != nil && bytes.Compare(id[:], marker) >= 0 }
		indexed := map[recordID]int{}
		tx.Bucket(bIndex).ForEachBucket(func(name []byte) error {
			ver, _ := parseVersionBucketName(name)
			if ver != curIndex && tx.Bucket(bMeta).Get(mRotation) != nil {
				return nil
			}
			return tx.Bucket(bIndex).Bucket(name).ForEach(func(k, _ []byte) error {
				res.IndexEntries++
				if len(k) != 1+crypto.TokenSize+idLen && len(k) != 1+legacyTokenSize+idLen {
					add("", "an index entry has a malformed key")
					return nil
				}
				var id recordID
				copy(id[:], k[len(k)-idLen:])
				m := metas[id]
				kind := kindNames[k[0]]
				if m == nil {
					add(id.String(), "index entry for a missing record")
				} else if m.IndexVersion != ver || m.Index[kind] != hex.EncodeToString(k[1:len(k)-idLen]) {
					add(id.String(), "stray %s index entry", kind)
				} else {
					indexed[id]++
				}
				return nil
			})
		})
		// ... and every record's tokens have their entries (a record still
		// on the old version mid-rotation has them in the skipped bucket).
		if !rotating {
			for id, m := range metas {
				if n := len(m.Index); indexed[id] < n && !inTail(id) {
					add(id.String(), "%d of its %d index entries are missing", n-indexed[id], n)
				}
			}
		}
		// Aliases: every link resolves both ways; every record's primary exists.
		ab := tx.Bucket(bAliases)
		tx.Bucket(bRecAliases).ForEach(func(k, _ []byte) error {
			if len(k) != idLen+crypto.AliasLen {
				add("", "an alias link has a malformed key")
				return nil
			}
			var id recordID
			copy(id[:], k[:idLen])
			var e aliasEntry
			if ok, err := getAliasEntry(ab, k[idLen:], &e); !ok || err != nil || e.Record != id.String() {
				add(id.String(), "alias %s link is inconsistent", crypto.FormatAlias(string(k[idLen:])))
			}
			return nil
		})
		ab.ForEach(func(k, data []byte) error {
			res.Aliases++
			if _, err := crypto.ParseAlias(string(k)); err != nil {
				add("", "stored alias %q fails its own check character", k)
			}
			e, err := decodeAlias(data)
			if err != nil {
				add("", "alias entry does not decode")
				return nil
			}
			if e.Erased != nil {
				return nil
			}
			id, err := parseRecordID(e.Record)
			if err != nil || metas[id] == nil {
				add(e.Record, "alias %s points to a missing record", crypto.FormatAlias(string(k)))
				return nil
			}
			if e.Primary {
				if metas[id].Alias != string(k) {
					add(e.Record, "primary alias %s is not the record's primary", crypto.FormatAlias(string(k)))
				}
			} else if tx.Bucket(bRecAliases).Get(append(append([]byte{}, id[:]...), k...)) == nil {
				add(e.Record, "alias %s has no link back", crypto.FormatAlias(string(k)))
			}
			return nil
		})
		tail := 0
		for id, m := range metas {
			if inTail(id) {
				tail++
			} else if m.Alias == "" || ab.Get([]byte(m.Alias)) == nil {
				add(id.String(), "the primary alias is missing")
			}
			if tx.Bucket(bTombstones).Get(id[:]) != nil {
				add(id.String(), "the record was erased (tombstone) but still exists")
			}
		}
		tx.Bucket(bShipments).ForEach(func(k, data []byte) error {
			var s shipment
			if err := json.Unmarshal(data, &s); err != nil {
				add("", "shipment %x does not decode", k)
				return nil
			}
			if s.Record != "" {
				if id, err := parseRecordID(s.Record); err != nil || metas[id] == nil {
					add(s.Record, "a shipment points to a missing record")
				}
			}
			return nil
		})
		if rotating {
			res.Hints = append(res.Hints, "a key rotation is in progress; run shopvault rotate to finish it")
		}
		if tail > 0 {
			res.Hints = append(res.Hints, fmt.Sprintf("an interrupted import left %d customers without index and alias entries; any command that writes (e.g. shopvault check without --metadata-only) writes them from their metadata", tail))
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	if !metadataOnly {
		if _, err := v.AuditVerify(); err != nil {
			var ie *IntegrityError
			if !errors.As(err, &ie) {
				return res, err
			}
			add("", "%s", ie.What)
		}
	}
	if len(res.Problems) > 0 {
		return res, &IntegrityError{What: fmt.Sprintf("%d problem(s), first: %s", len(res.Problems), describe(res.Problems[0]))}
	}
	return res, nil
}

func describe(p CheckProblem) string {
	if p.Record != "" {
		return "record " + p.Record + ": " + p.What
	}
	return p.What
}

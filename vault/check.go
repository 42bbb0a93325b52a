package vault

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
	"github.com/shopvault/shopvault/internal/words"
)

// CheckProblem is one thing check found wrong; Record is the record id when
// the problem belongs to one (restic's checker style: errors carry ids).
type CheckProblem struct {
	Record string `json:"record"` // "" when the problem is not one record's
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
	Hints        []string       `json:"hints"`
	// Rotating: a key rotation is in progress; an owner's next rotate (or
	// any owner write) finishes it.
	Rotating bool `json:"rotating"`
	// Unindexed counts customers an interrupted import left without
	// index and alias entries; any write writes them from their metadata.
	Unindexed int `json:"unindexed"`
}

// Check verifies the whole vault, one concern at a time (checker has a
// method per concern): bbolt's own consistency, the signed policy and the
// keyring, people and settings against it, the state head, every record's
// metadata and sealed values (with keys: opening under their key version),
// index entries matching records, the alias table, tombstones, shipments,
// and the access log. metadataOnly skips everything that needs a key. It
// is the one entry point that verifies everything: any problem is an
// IntegrityError (exit 7) naming the first one.
func (v *Vault) Check(metadataOnly bool) (CheckResult, error) {
	c := &checker{v: v, metadataOnly: metadataOnly, metas: map[recordID]*recordMeta{},
		res: CheckResult{MetadataOnly: metadataOnly, Problems: []CheckProblem{}, Hints: []string{}}}
	err := v.view(func(tx *bolt.Tx) error {
		c.tx = tx
		c.database()
		c.trust()
		if err := c.keys(); err != nil {
			return err
		}
		for _, concern := range []func() error{c.records, c.formatOneFields, c.index, c.aliases, c.shipments, c.entryTags} {
			if err := concern(); err != nil {
				return err
			}
		}
		c.primariesAndTombstones()
		c.unfinished()
		return nil
	})
	if err != nil {
		return c.res, err
	}
	if err := c.audit(); err != nil {
		return c.res, err
	}
	if len(c.res.Problems) > 0 {
		return c.res, &IntegrityError{What: fmt.Sprintf("%s, first: %s", words.Count(len(c.res.Problems), "problem"), describe(c.res.Problems[0]))}
	}
	return c.res, nil
}

// checker is one run of check: the read transaction, what earlier
// concerns learnt (every record's metadata) and the problems found.
type checker struct {
	v            *Vault
	tx           *bolt.Tx
	metadataOnly bool
	res          CheckResult
	head         *headBody
	metas        map[recordID]*recordMeta
	curIndex     uint32
	rotating     bool
	marker       []byte
	tail         int
}

func (c *checker) add(rec, format string, args ...any) {
	c.res.Problems = append(c.res.Problems, CheckProblem{Record: rec, What: fmt.Sprintf(format, args...)})
}

// inTail: customers from meta/unindexed on are an interrupted import's
// tail, whose entries the next write adds (tail.go).
func (c *checker) inTail(id recordID) bool {
	return c.marker != nil && bytes.Compare(id[:], c.marker) >= 0
}

// database is bbolt's own consistency check.
func (c *checker) database() {
	for err := range c.tx.Check() {
		c.add("", "database: %v", err)
	}
}

// trust walks the whole policy chain again from version 1 against this
// machine's anchors, and compares the keyring, people, settings and head
// with it (the open did the same from the version this machine last saw).
func (c *checker) trust() {
	if c.v.policy == nil {
		c.res.Hints = append(c.res.Hints, "this vault is format 2 and not yet authenticated; run any command once with the owner's identity to upgrade it")
		return
	}
	a := anchors{}
	if c.v.trust != nil {
		a.pinned = c.v.trust.Owners
	}
	for _, k := range c.v.keys.derivedKeys() {
		a.derived = append(a.derived, hex.EncodeToString(k.Public().(ed25519.PublicKey)))
	}
	res, err := walkPolicy(c.tx, c.v.vaultID, nil, a)
	var ie *IntegrityError
	switch {
	case errors.As(err, &ie):
		c.add("", "signed policy: %s", ie.What)
		return
	case err != nil:
		c.add("", "signed policy: %v", err)
		return
	case !res.anchored:
		c.add("", "signed policy: no version is signed by an owner this machine trusts")
		return
	}
	state, err := readPolicyState(c.tx)
	if err != nil {
		c.add("", "%v", err)
		return
	}
	if d := stateDiff(&state, &res.latest.body.policyState); d != "" {
		c.add("", "%s", d)
	}
	h, err := verifyHead(c.tx, c.v.vaultID, &res.latest)
	if err != nil {
		c.add("", "%v", err)
	} else if err := verifyDataHead(c.tx, c.v.vaultID, &res.latest, h); err != nil {
		c.add("", "%v", err)
	} else if err := verifyStatements(c.tx, c.v.vaultID, &res.latest, h); err != nil {
		c.add("", "%v", err)
	} else if chain, err := loadChain(c.tx, c.v.vaultID, &res.latest, h); err == nil {
		if runs, erased, first := unapprovedRuns(chain, res.latest.body.RulesHash); runs > 0 {
			c.res.Hints = append(c.res.Hints, unapprovedMessage(runs, erased, first))
		}
	}
	c.head = h
}

// entryTags recomputes every tagged bucket's count and tag sum and
// compares them with the signed head's (docs/format.md, "Entry tags").
func (c *checker) entryTags() error {
	if c.head == nil {
		return nil
	}
	if c.metadataOnly {
		// Keyless: the records sum is what needs no key (format 5).
		if keyedRecordSums(c.tx) {
			c.res.Hints = append(c.res.Hints, "the customer records were not recounted: this vault's format keys them; the owner's next command that writes upgrades it, and from then on check --metadata-only and purge recount them without a key")
			return nil
		}
		var ie *IntegrityError
		if err := verifyRecordsSum(c.tx, c.v.vaultID, c.v.policy, c.head); errors.As(err, &ie) {
			c.add("", "%s", ie.What)
		} else if err != nil {
			return err
		}
		return nil
	}
	pending, err := c.v.checkTagSums(c.tx, c.head)
	var ie *IntegrityError
	switch {
	case errors.As(err, &ie):
		c.add("", "%s", ie.What)
	case err != nil:
		return err
	case pending != "":
		c.res.Hints = append(c.res.Hints, pending)
	}
	return nil
}

// keys: with keys, the session must open every group (check reads all).
func (c *checker) keys() error {
	tx := c.tx
	if !c.metadataOnly {
		if err := c.v.need(tx, AllGroups...); err != nil {
			return err
		}
	}
	var err error
	if c.curIndex, err = currentVersion(tx, GroupIndex); err != nil {
		return err
	}
	c.rotating = tx.Bucket(bMeta).Get(mRotation) != nil
	c.marker = tx.Bucket(bMeta).Get(mUnindexed)
	return nil
}

// records: every record's metadata decodes, its sealed value holds exactly
// the fields it lists and (with keys) each opens, and its index tokens
// match the sealed values.
func (c *checker) records() error {
	tx := c.tx
	err := tx.Bucket(bRecords).ForEach(func(k, data []byte) error {
		var id recordID
		if len(k) != idLen {
			c.add(hex.EncodeToString(k), "record key has the wrong length")
			return nil
		}
		copy(id[:], k)
		m, err := decodeRecord(tx, k, data)
		if err != nil {
			c.add(id.String(), "metadata does not decode")
			return nil
		}
		c.metas[id] = m
		c.res.Records++
		var groups []crypto.SealedGroup
		if m.sealed != nil {
			var err error
			if groups, err = crypto.ParseRecord(m.sealed); err != nil {
				c.add(id.String(), "the sealed value does not parse")
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
				c.add(id.String(), "field %s is listed but missing", f)
				continue
			}
			delete(held, fieldCode[f])
			if c.metadataOnly {
				continue
			}
			s, err := c.v.keys.sealer(tx, FieldGroup[f], g.Version)
			if err != nil {
				var ie *IntegrityError
				if errors.As(err, &ie) {
					c.add(id.String(), "field %s: %s", f, ie.What)
					continue
				}
				return err
			}
			if _, err := s.OpenField(g, id[:], f, fieldCode[f]); err != nil {
				c.add(id.String(), "field %s does not authenticate (tampered or moved)", f)
				continue
			}
			c.res.SealedOpened++
		}
		if len(held) > 0 {
			c.add(id.String(), "the sealed value holds %s the record does not list", words.Count(len(held), "field"))
		}
		if !c.metadataOnly && len(m.Index) > 0 {
			vals, err := c.v.readFields(tx, id, m, []string{"name", "email", "phone"})
			if err == nil {
				ix, err := c.v.keys.indexer(tx, m.IndexVersion)
				if err != nil {
					return err
				}
				for kind, val := range indexValues(vals) {
					if tokenPrefix(m.Index[kindNames[kind]]) != hex.EncodeToString(ix.Token(kindNames[kind], val)) {
						c.add(id.String(), "%s index token does not match the sealed value", kindNames[kind])
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return nil
}

// formatOneFields: format-1 sealed values (kept apart) that belong to no record.
func (c *checker) formatOneFields() error {
	tx := c.tx
	return tx.Bucket(bFields).ForEach(func(k, _ []byte) error {
		var id recordID
		copy(id[:], k)
		if len(k) != idLen || c.metas[id] == nil || !c.metas[id].sealedApart {
			c.add(hex.EncodeToString(k), "a sealed value belongs to no record")
		}
		return nil
	})
}

// index: blind index entries point at records that list them, and every
// record's tokens have their entries. Mid-rotation the previous index
// version is left whole until the end: skip it.
func (c *checker) index() error {
	tx := c.tx
	indexed := map[recordID]int{}
	err := tx.Bucket(bIndex).ForEachBucket(func(name []byte) error {
		ver, _ := parseVersionBucketName(name)
		if ver != c.curIndex && tx.Bucket(bMeta).Get(mRotation) != nil {
			return nil
		}
		return tx.Bucket(bIndex).Bucket(name).ForEach(func(k, _ []byte) error {
			c.res.IndexEntries++
			if len(k) != 1+crypto.TokenSize+idLen && len(k) != 1+legacyTokenSize+idLen {
				c.add("", "an index entry has a malformed key")
				return nil
			}
			var id recordID
			copy(id[:], k[len(k)-idLen:])
			m := c.metas[id]
			kind := kindNames[k[0]]
			if m == nil {
				c.add(id.String(), "index entry for a missing record")
			} else if m.IndexVersion != ver || m.Index[kind] != hex.EncodeToString(k[1:len(k)-idLen]) {
				c.add(id.String(), "stray %s index entry", kind)
			} else {
				indexed[id]++
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	// ... and every record's tokens have their entries (a record still
	// on the old version mid-rotation has them in the skipped bucket).
	if !c.rotating {
		for id, m := range c.metas {
			if n := len(m.Index); indexed[id] < n && !c.inTail(id) {
				c.add(id.String(), "%d of its %d index entries are missing", n-indexed[id], n)
			}
		}
	}
	return nil
}

// aliases: every link resolves both ways.
func (c *checker) aliases() error {
	tx := c.tx
	ab := tx.Bucket(bAliases)
	err := tx.Bucket(bRecAliases).ForEach(func(k, _ []byte) error {
		if len(k) != idLen+crypto.AliasLen {
			c.add("", "an alias link has a malformed key")
			return nil
		}
		var id recordID
		copy(id[:], k[:idLen])
		var e aliasEntry
		if ok, err := getAliasEntry(ab, k[idLen:], &e); !ok || err != nil || e.Record != id.String() {
			c.add(id.String(), "alias %s link is inconsistent", crypto.FormatAlias(string(k[idLen:])))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return ab.ForEach(func(k, data []byte) error {
		c.res.Aliases++
		if _, err := crypto.ParseAlias(string(k)); err != nil {
			c.add("", "stored alias %q fails its own check character", k)
		}
		e, err := decodeAlias(data)
		if err != nil {
			c.add("", "alias entry does not decode")
			return nil
		}
		if e.Erased != nil {
			return nil
		}
		id, err := parseRecordID(e.Record)
		if err != nil || c.metas[id] == nil {
			c.add(e.Record, "alias %s points to a missing record", crypto.FormatAlias(string(k)))
			return nil
		}
		if e.Primary {
			if c.metas[id].Alias != string(k) {
				c.add(e.Record, "primary alias %s is not the record's primary", crypto.FormatAlias(string(k)))
			}
		} else if tx.Bucket(bRecAliases).Get(append(append([]byte{}, id[:]...), k...)) == nil {
			c.add(e.Record, "alias %s has no link back", crypto.FormatAlias(string(k)))
		}
		return nil
	})
}

// primariesAndTombstones: every record's primary alias exists, and no
// erased customer is back.
func (c *checker) primariesAndTombstones() {
	tx := c.tx
	ab := tx.Bucket(bAliases)
	for id, m := range c.metas {
		if c.inTail(id) {
			c.tail++
		} else if m.Alias == "" || ab.Get([]byte(m.Alias)) == nil {
			c.add(id.String(), "the primary alias is missing")
		}
		if tx.Bucket(bTombstones).Get(id[:]) != nil {
			c.add(id.String(), "the record was erased (tombstone) but still exists")
		}
	}
}

// shipments point at records that exist.
func (c *checker) shipments() error {
	tx := c.tx
	return tx.Bucket(bShipments).ForEach(func(k, data []byte) error {
		var s shipment
		if err := json.Unmarshal(data, &s); err != nil {
			c.add("", "shipment %x does not decode", k)
			return nil
		}
		if s.Record != "" {
			if id, err := parseRecordID(s.Record); err != nil || c.metas[id] == nil {
				c.add(s.Record, "a shipment points to a missing record")
			}
		}
		return nil
	})
}

// unfinished reports work a later command finishes (cmd words what to run).
func (c *checker) unfinished() {
	c.res.Rotating = c.rotating
	c.res.Unindexed = c.tail
}

// audit: the hash chain (keyless) and, with keys, its authentication (the
// signed state head; the owner's audit MAC in a format-2 vault).
func (c *checker) audit() error {
	chainOK := true
	err := c.v.view(func(tx *bolt.Tx) error {
		if err := auditChainOK(tx); err != nil {
			c.add("", "%v", err)
			chainOK = false
		}
		c.res.AuditEntries = tx.Bucket(bAudit).Stats().KeyN
		return nil
	})
	// A broken chain is reported once: AuditVerify would walk it again and
	// name the same entry.
	if err != nil || c.metadataOnly || !chainOK {
		return err
	}
	if _, err := c.v.AuditVerify(); err != nil {
		var ie *IntegrityError
		if !errors.As(err, &ie) {
			return err
		}
		c.add("", "%s", ie.What)
	}
	return nil
}

func describe(p CheckProblem) string {
	if p.Record != "" {
		return "record " + p.Record + ": " + p.What
	}
	return p.What
}

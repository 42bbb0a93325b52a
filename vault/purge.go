package vault

import (
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
	"github.com/shopvault/shopvault/internal/words"
)

// PlanItem is one thing the rules will do to one customer.
type PlanItem struct {
	Rule   string     `json:"rule"`
	Alias  string     `json:"alias"`
	Action RuleAction `json:"action"`
	Fields []string   `json:"fields"` // null for erase
	Due    time.Time  `json:"due"`
	id     recordID
}

// PurgeResult summarises a purge run.
type PurgeResult struct {
	Applied     bool       `json:"applied"`
	Erased      int        `json:"erased"`
	Dropped     int        `json:"fields_dropped"`
	Held        int        `json:"held"`
	Plan        []PlanItem `json:"plan"`
	BytesBefore int64      `json:"bytes_before,omitempty"`
	BytesAfter  int64      `json:"bytes_after,omitempty"`
}

type purgeRecord struct {
	Time    time.Time `json:"time"`
	Applied bool      `json:"applied"`
	Erased  int       `json:"erased"`
	Dropped int       `json:"fields_dropped"`
}

func ruleRef(r Rule, m *recordMeta) *time.Time {
	switch r.When {
	case "created":
		return &m.Created
	case "last_activity":
		return &m.LastActivity
	case "last_shipment":
		return m.LastShipment
	case "consent_withdrawn":
		return m.ConsentWithdrawn
	case "erasure_requested":
		return m.ErasureRequested
	}
	return nil
}

// planRecord returns what rules do to one record by the time horizon: due
// dates at or before horizon. Works from metadata alone.
func planRecord(rules *Rules, id recordID, m *recordMeta, horizon time.Time) []PlanItem {
	var items []PlanItem
	var erase *PlanItem
	for _, r := range rules.Rules {
		ref := ruleRef(r, m)
		if ref == nil || ref.IsZero() {
			continue
		}
		due := r.Span.After(*ref)
		if due.After(horizon) {
			continue
		}
		it := PlanItem{Rule: r.Name, Alias: crypto.FormatAlias(m.Alias), Action: r.Action, Due: due, id: id}
		if r.Action == ActionErase {
			if erase == nil || due.Before(erase.Due) {
				e := it
				erase = &e
			}
			continue
		}
		for _, f := range r.Fields {
			if m.hasField(f) {
				it.Fields = append(it.Fields, f)
			}
		}
		if len(it.Fields) > 0 {
			items = append(items, it)
		}
	}
	if erase != nil {
		return []PlanItem{*erase}
	}
	return items
}

// Plan computes what the rules would do now (upcoming == 0) or in the
// coming span. Keyless and read-only. Records under a hold are skipped.
// It recounts the records sum as it reads them (verifyRecordsSum): a
// plan, and so a purge, is never made from metadata changed outside a
// signed write.
func (v *Vault) Plan(rules *Rules, upcoming *Span) (PurgeResult, error) {
	var res PurgeResult
	err := v.view(func(tx *bolt.Tx) error {
		r, err := startRecount(tx, v.vaultID, v.policy, v.head)
		if err != nil {
			return refusePurge(err)
		}
		var seen func(k, data []byte)
		if r != nil {
			seen = r.add
		}
		res, err = v.plan(tx, rules, upcoming, seen)
		if r != nil {
			if rerr := r.finish(); rerr != nil {
				return refusePurge(rerr)
			}
		}
		return err
	})
	return res, err
}

// refusePurge says that nothing was changed when the records (or the
// statements they are compared through) do not verify.
func refusePurge(err error) error {
	var ie *IntegrityError
	if errors.As(err, &ie) {
		return &IntegrityError{What: "purge refused, nothing was changed: " + ie.What}
	}
	return err
}

// plan reads every record's metadata; seen, when given, is handed each
// record first (the recount of the records sum).
func (v *Vault) plan(tx *bolt.Tx, rules *Rules, upcoming *Span, seen func(k, data []byte)) (PurgeResult, error) {
	var res PurgeResult
	now := v.now()
	horizon := now
	if upcoming != nil {
		horizon = upcoming.After(now)
	}
	res.Plan = []PlanItem{}
	err := tx.Bucket(bRecords).ForEach(func(k, data []byte) error {
		if seen != nil {
			seen(k, data)
		}
		m, err := decodeRecord(tx, k, data)
		if err != nil {
			return &IntegrityError{What: fmt.Sprintf("record %x metadata does not decode", k)}
		}
		var id recordID
		copy(id[:], k)
		if m.Hold != nil && m.Hold.Until.After(horizon) {
			if len(planRecord(rules, id, m, horizon)) > 0 {
				res.Held++
			}
			return nil
		}
		for _, it := range planRecord(rules, id, m, horizon) {
			if upcoming != nil && !it.Due.After(now) {
				continue // already due: purge now, not upcoming
			}
			res.Plan = append(res.Plan, it)
		}
		return nil
	})
	sort.SliceStable(res.Plan, func(i, j int) bool { return res.Plan[i].Due.Before(res.Plan[j].Due) })
	return res, err
}

// Purge carries out the plan: erases records and drops fields from metadata
// alone (no key), in batches of transactions, each with its audit entry;
// then compacts the file if anything was deleted.
func (v *Vault) Purge(rules *Rules) (PurgeResult, error) {
	if err := v.mayPurgeKeyless(); err != nil {
		return PurgeResult{}, err
	}
	res, err := v.Plan(rules, nil)
	if err != nil {
		return res, err
	}
	v.applying = newAppliedRules(rules)
	defer func() { v.applying = nil }()
	res.Applied = true
	for start := 0; start < len(res.Plan); start += v.opts.BatchSize {
		batch := res.Plan[start:min(start+v.opts.BatchSize, len(res.Plan))]
		erasedN, droppedN := 0, 0 // counted only once the batch commits
		err := v.updateBatch(func(tx *bolt.Tx) error {
			erasedN, droppedN = 0, 0
			erased := map[string]bool{}
			var aliases []string
			for _, it := range batch {
				m, err := loadMeta(tx, it.id)
				if err != nil {
					return err
				}
				if m == nil {
					continue
				}
				aliases = append(aliases, m.Alias)
				if it.Action == ActionErase {
					if err := v.eraseInTx(tx, it.id, m, "rule:"+it.Rule); err != nil {
						return err
					}
					erased[it.id.String()] = true
					erasedN++
					continue
				}
				n, err := v.dropFields(tx, it.id, m, it.Fields)
				if err != nil {
					return err
				}
				droppedN += n
			}
			if err := v.unlinkShipments(tx, erased); err != nil {
				return err
			}
			return v.appendAudit(tx, AuditEntry{Action: "purge", Aliases: aliases, Count: len(aliases), Detail: fmt.Sprintf("%d erased, %s dropped", len(erased), words.Count(len(batch)-len(erased), "field"))})
		})
		if err != nil {
			return res, err
		}
		res.Erased += erasedN
		res.Dropped += droppedN
		if v.opts.Progress != nil {
			v.opts.Progress(min(start+v.opts.BatchSize, len(res.Plan)), len(res.Plan))
		}
		if v.opts.crashAfterBatches > 0 && start/v.opts.BatchSize+1 >= v.opts.crashAfterBatches {
			return res, ErrCrashHook
		}
	}
	err = v.update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bMeta), mLastPurge, purgeRecord{Time: v.now(), Applied: true, Erased: res.Erased, Dropped: res.Dropped})
	})
	if err != nil {
		return res, err
	}
	if res.Erased+res.Dropped > 0 {
		c, err := v.CompactReport()
		res.BytesBefore, res.BytesAfter = c.Before, c.After
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// dropFields deletes sealed values and their index entries: no decryption,
// the sealed record is re-encoded without those fields.
func (v *Vault) dropFields(tx *bolt.Tx, id recordID, m *recordMeta, fields []string) (int, error) {
	groups, err := loadSealed(id, m)
	if err != nil {
		return 0, err
	}
	drop := map[byte]bool{}
	keep := map[string]bool{}
	for _, f := range m.Fields {
		keep[f] = true
	}
	n := 0
	vb := tx.Bucket(bIndex).Bucket(versionBucketName(m.IndexVersion))
	for _, f := range fields {
		if !keep[f] {
			continue
		}
		drop[fieldCode[f]] = true
		delete(keep, f)
		n++
		if kind := fieldKind[f]; kind != 0 {
			if tokHex, ok := m.Index[kindNames[kind]]; ok {
				tok, err := hex.DecodeString(tokHex)
				if err != nil {
					return n, &IntegrityError{What: fmt.Sprintf("record %s has a bad index token", id)}
				}
				if vb != nil {
					if err := vb.Delete(indexKey(kind, tok, id)); err != nil {
						return n, err
					}
				}
				// The token goes even when its version has no bucket yet
				// (a record re-indexed by an unfinished rotation): the
				// rotation writes that bucket from the tokens in the
				// metadata, and would index the dropped value again.
				delete(m.Index, kindNames[kind])
			}
		}
	}
	for i := range groups {
		kept := groups[i].Fields[:0]
		for _, sf := range groups[i].Fields {
			if !drop[sf.Code] {
				kept = append(kept, sf)
			}
		}
		groups[i].Fields = kept
	}
	setSealed(m, groups)
	m.setFields(keep)
	return n, v.putMeta(tx, id, m)
}

// LastPurge reports when purge last ran (zero if never).
func (v *Vault) lastPurge(tx *bolt.Tx) (*purgeRecord, error) {
	var p purgeRecord
	ok, err := getJSON(tx.Bucket(bMeta), mLastPurge, &p)
	if !ok || err != nil {
		return nil, err
	}
	return &p, nil
}

// mayPurgeKeyless refuses, before anything is planned or written, a
// keyless purge that could not sign its statements (no purge key on this
// machine, or one the policy does not name).
func (v *Vault) mayPurgeKeyless() error {
	if v.policy == nil || len(v.opts.Identities) > 0 || v.opts.Passphrase != nil {
		return nil
	}
	if _, err := v.purgeSigningKey(v.policy); err != nil {
		return err
	}
	return v.view(func(tx *bolt.Tx) error {
		if v.head == nil {
			return nil
		}
		return purgeMaySign(tx, v.head)
	})
}

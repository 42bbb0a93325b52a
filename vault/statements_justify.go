package vault

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopvault/shopvault/crypto"
	"github.com/shopvault/shopvault/internal/words"
)

// justified re-evaluates a statement without any key: a purge's erasures
// and field drops against the rules it carries, at its time, on the
// metadata it acted on; a shipping person's changes may only move last
// shipment dates forward and add shipments.
func (s *statement) justified() error {
	if s.body.Signer == purgeSigner {
		return s.body.justifiedPurge()
	}
	if !s.body.justifiedShip() {
		return &IntegrityError{What: fmt.Sprintf("statement %d, signed by a shipping person, changes more than shipment dates and new shipments: customer data was changed under a shipping person's key; restore from a backup", s.body.Counter)}
	}
	return nil
}

func (s *statementBody) justifiedShip() bool {
	for _, c := range s.Changes {
		switch {
		case c.Bucket == "records" && c.Old != nil && c.New != nil && bytes.Equal(c.OldSealed, c.NewSealed) && onlyShipmentDate(c.Old, c.New):
		case c.Bucket == "shipments" && c.Old == nil && c.New != nil:
		default:
			return false
		}
	}
	return true
}

// justifiedPurge: every record erased or trimmed is one the rules take at
// the statement's time from the metadata it lists (not on hold), every
// field dropped one a drop rule names, and every other change follows
// from an erasure in the same statement (tombstone, erased alias,
// unlinked shipment).
func (s *statementBody) justifiedPurge() error {
	rules, ok := s.parsedRules()
	if !ok {
		return &IntegrityError{What: fmt.Sprintf("purge statement %d (purge run at %s) carries rules that do not match their hash: it was forged", s.Counter, s.Time.Format(time.RFC3339))}
	}
	erased := map[string]bool{}
	bad := 0
	var aliases []string
	for _, c := range s.Changes {
		if c.Bucket != "records" {
			continue
		}
		id, ok := justifiedRecord(rules, s.Time, c)
		if !ok {
			bad++
			if m, err := decodeMeta(c.Old); err == nil && m.Alias != "" && len(aliases) < 5 {
				aliases = append(aliases, crypto.FormatAlias(m.Alias))
			}
			continue
		}
		if c.New == nil {
			erased[id] = true
		}
	}
	for _, c := range s.Changes {
		if c.Bucket != "records" && !followsErasure(c, erased) {
			bad++
		}
	}
	if bad == 0 {
		return nil
	}
	who := ""
	if len(aliases) > 0 {
		who = " (" + strings.Join(aliases, ", ") + ")"
	}
	return &IntegrityError{What: fmt.Sprintf("purge run at %s (statement %d) erased or trimmed %s%s that its rules do not justify on the metadata it acted on: the metadata was changed before the purge, or the purge key was misused; restore from a backup made before %s",
		s.Time.Format(time.RFC3339), s.Counter, words.Count(bad, "customer"), who, s.Time.Format("2006-01-02 15:04"))}
}

// parsedRules checks the rules against their hash and parses their spans.
func (s *statementBody) parsedRules() (*Rules, bool) {
	if s.Rules == nil {
		return nil, false
	}
	if newAppliedRules(&Rules{Rules: s.Rules.Rules}).Hash != s.Rules.Hash {
		return nil, false
	}
	rs := &Rules{Rules: slices.Clone(s.Rules.Rules)}
	for i := range rs.Rules {
		sp, err := ParseSpan(rs.Rules[i].OlderThan)
		if err != nil {
			return nil, false
		}
		rs.Rules[i].Span = sp
	}
	return rs, true
}

// justifiedRecord re-plans one record change: an erasure needs an erase
// rule due by then, a drop needs drop rules naming every field removed,
// and the new metadata must be the old one without those fields.
func justifiedRecord(rules *Rules, at time.Time, c entryChange) (string, bool) {
	if len(c.Key) != idLen || c.Old == nil {
		return "", false
	}
	var id recordID
	copy(id[:], c.Key)
	old, err := decodeMeta(c.Old)
	if err != nil || (old.Hold != nil && old.Hold.Until.After(at)) {
		return "", false
	}
	items := planRecord(rules, id, old, at)
	if c.New == nil {
		return id.String(), len(items) == 1 && items[0].Action == ActionErase
	}
	nm, err := decodeMeta(c.New)
	if err != nil {
		return "", false
	}
	allowed := map[string]bool{}
	for _, it := range items {
		if it.Action == ActionDrop {
			for _, f := range it.Fields {
				allowed[f] = true
			}
		}
	}
	for _, f := range old.Fields {
		if !nm.hasField(f) && !allowed[f] {
			return "", false
		}
	}
	for kind, tok := range nm.Index {
		if old.Index[kind] != tok {
			return "", false
		}
	}
	want := *old
	want.Fields, want.Index, want.sealed, want.sealedHash = nm.Fields, nm.Index, nil, nil
	return id.String(), bytes.Equal(encodeMeta(&want), c.New) && len(nm.Fields) < len(old.Fields)
}

// followsErasure: a tombstone, alias or shipment change a purge makes for
// a customer it erased in the same statement.
func followsErasure(c entryChange, erased map[string]bool) bool {
	switch c.Bucket {
	case "tombstones":
		var t tombstone
		var id recordID
		copy(id[:], c.Key)
		return c.Old == nil && len(c.Key) == idLen && erased[id.String()] && json.Unmarshal(c.New, &t) == nil
	case "aliases":
		if c.New == nil {
			return false
		}
		n, err := decodeAlias(c.New)
		if err != nil || n.Erased == nil {
			return false
		}
		if c.Old == nil {
			return n.Record == "" || erased[n.Record]
		}
		o, err := decodeAlias(c.Old)
		return err == nil && erased[o.Record] && n.Record == o.Record
	case "shipments":
		var o, n shipment
		if c.Old == nil || c.New == nil || json.Unmarshal(c.Old, &o) != nil || json.Unmarshal(c.New, &n) != nil {
			return false
		}
		rec := o.Record
		o.Record, o.Alias = "", ""
		a, _ := json.Marshal(o)
		b, _ := json.Marshal(n)
		return erased[rec] && bytes.Equal(a, b)
	}
	return false
}

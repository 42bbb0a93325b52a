package vault

import (
	"errors"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// SensitiveResult is what check --sensitive found, and what it dropped.
type SensitiveResult struct {
	Findings []SensitiveFinding `json:"findings"`
	Records  int                `json:"records_checked"`
	Dropped  int                `json:"fields_dropped"`
}

// CheckSensitive reads every stored field and lists those the guard would
// refuse today (values stored before it knew them): alias, field and
// category, never the value. It needs the keys of every group and is
// recorded in the access log. With drop, those fields are deleted (index
// entries too), each drop logged with the alias, field and category, and
// the file compacted so the ciphertext does not linger in free pages.
func (v *Vault) CheckSensitive(drop bool) (SensitiveResult, error) {
	var res SensitiveResult
	err := v.update(func(tx *bolt.Tx) error {
		if err := v.need(tx, SealedGroups...); err != nil {
			return err
		}
		type hit struct {
			id    recordID
			alias string
			found []SensitiveFinding
		}
		var hits []hit
		err := forEachRecord(tx, func(id recordID, m *recordMeta) error {
			res.Records++
			vals, err := v.readFields(tx, id, m, m.Fields)
			if err != nil {
				return err
			}
			h := hit{id: id, alias: m.Alias}
			for _, f := range FieldNames {
				val, ok := vals[f]
				if !ok {
					continue
				}
				var in *InputError
				if errors.As(refuseSensitive(f, val), &in) {
					h.found = append(h.found, SensitiveFinding{Alias: crypto.FormatAlias(m.Alias), Field: f, Category: in.Category})
				}
			}
			if len(h.found) > 0 {
				hits = append(hits, h)
				res.Findings = append(res.Findings, h.found...)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := v.appendAudit(tx, AuditEntry{Action: "check sensitive", Count: res.Records, Detail: fmt.Sprintf("%d found", len(res.Findings))}); err != nil {
			return err
		}
		if !drop {
			return nil
		}
		for _, h := range hits {
			m, err := loadMeta(tx, h.id)
			if err != nil {
				return err
			}
			var fields, what []string
			for _, f := range h.found {
				fields = append(fields, f.Field)
				what = append(what, f.Field+" ("+f.Category+")")
			}
			n, err := v.dropFields(tx, h.id, m, fields)
			if err != nil {
				return err
			}
			res.Dropped += n
			if err := v.appendAudit(tx, AuditEntry{Action: "drop sensitive", Aliases: []string{h.alias}, Detail: strings.Join(what, ", ")}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || res.Dropped == 0 {
		return res, err
	}
	_, err = v.CompactReport()
	return res, err
}

package vault

import (
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// LabelRecord is the shipping data of one label, resolved from the alias
// that will be printed on it.
type LabelRecord struct {
	Alias  string // the alias as given (the one printed)
	Ref    string
	Fields map[string]string
}

// labelFields are the fields a label may print: the renderer cuts the name
// to the first name unless asked; the phone is read only when asked.
var labelFields = []string{"name", "line1", "line2", "city", "region", "postcode", "country"}

// LabelRequest is one alias to print, with an optional order reference.
type LabelRequest struct {
	Alias string
	Ref   string
}

// ForLabels reads the shipping fields for each request. It needs the
// shipping key and records one access-log entry naming every alias.
func (v *Vault) ForLabels(reqs []LabelRequest, withPhone bool) ([]LabelRecord, error) {
	var out []LabelRecord
	want := labelFields
	if withPhone {
		want = append(slices.Clone(labelFields), "phone")
	}
	err := v.update(func(tx *bolt.Tx) error {
		if err := v.need(tx, GroupShipping); err != nil {
			return err
		}
		var aliases []string
		for _, r := range reqs {
			id, m, canon, err := v.resolve(tx, r.Alias)
			if err != nil {
				return err
			}
			vals, err := v.readFields(tx, id, m, want)
			if err != nil {
				return err
			}
			out = append(out, LabelRecord{Alias: crypto.FormatAlias(canon), Ref: r.Ref, Fields: vals})
			aliases = append(aliases, canon)
		}
		detail := "shipping fields"
		if withPhone {
			detail += " with phone"
		}
		return v.appendAudit(tx, AuditEntry{Action: "label", Aliases: aliases, Count: len(aliases), Detail: detail})
	})
	return out, err
}

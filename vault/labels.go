package vault

import (
	"errors"
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

// LabelProblem is a request that was not printed: its index in the
// requests and why (a *NotFoundError).
type LabelProblem struct {
	Index int
	Err   error
}

// ForLabels reads the shipping fields for each request, all or nothing: an
// alias that names no customer fails the whole call. It needs the shipping
// key and records one access-log entry naming every alias.
func (v *Vault) ForLabels(reqs []LabelRequest, withPhone bool) ([]LabelRecord, error) {
	out, _, err := v.forLabels(reqs, withPhone, true)
	return out, err
}

// ForLabelBatch is ForLabels for a batch (a week's orders): requests whose
// alias names no customer (unknown, mistyped, revoked, expired, erased) are
// returned as problems and the others are read. Anything else (no key,
// tampering) fails the whole batch. Only the aliases read are logged.
func (v *Vault) ForLabelBatch(reqs []LabelRequest, withPhone bool) ([]LabelRecord, []LabelProblem, error) {
	return v.forLabels(reqs, withPhone, false)
}

func (v *Vault) forLabels(reqs []LabelRequest, withPhone, strict bool) ([]LabelRecord, []LabelProblem, error) {
	var out []LabelRecord
	var problems []LabelProblem
	want := labelFields
	if withPhone {
		want = append(slices.Clone(labelFields), "phone")
	}
	err := v.update(func(tx *bolt.Tx) error {
		out, problems = nil, nil
		if err := v.need(tx, GroupShipping); err != nil {
			return err
		}
		var aliases []string
		for i, r := range reqs {
			id, m, canon, err := v.resolve(tx, r.Alias)
			var nf *NotFoundError
			if errors.As(err, &nf) && !strict {
				problems = append(problems, LabelProblem{Index: i, Err: err})
				continue
			}
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
		if len(aliases) == 0 {
			return nil
		}
		detail := "shipping fields"
		if withPhone {
			detail += " with phone"
		}
		return v.appendAudit(tx, AuditEntry{Action: "label", Aliases: aliases, Count: len(aliases), Detail: detail})
	})
	if err != nil {
		return nil, nil, err
	}
	return out, problems, nil
}

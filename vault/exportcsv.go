package vault

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// ExportCustomers returns every customer (optionally only those with a
// consent) with the requested fields, for export csv. Owner only; recorded.
// It streams to fn one customer at a time.
func (v *Vault) ExportCustomers(fields []string, consent string, fn func(Customer) error) (int, error) {
	n := 0
	err := v.update(func(tx *bolt.Tx) error {
		if err := v.requireRole(tx, RoleOwner); err != nil {
			return err
		}
		if err := v.need(tx, groupsOf(fields)...); err != nil {
			return err
		}
		err := forEachRecord(tx, func(id recordID, m *recordMeta) error {
			if consent != "" && !m.Consent[consent].Granted {
				return nil
			}
			vals, err := v.readFields(tx, id, m, fields)
			if err != nil {
				return err
			}
			c := customerFromMeta(id, m)
			c.Fields = vals
			n++
			return fn(c)
		})
		if err != nil {
			return err
		}
		return v.appendAudit(tx, AuditEntry{Action: "export csv", Count: n, Detail: fmt.Sprint(fields)})
	})
	return n, err
}

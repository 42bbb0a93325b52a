package vault

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// eraseInTx deletes everything about a record without any key: its sealed
// fields, index entries, metadata; marks its aliases erased (they are random
// and carry no personal data, and keep resolving to "erased on DATE");
// leaves a tombstone. Shipments are unlinked by unlinkShipments.
func (v *Vault) eraseInTx(tx *bolt.Tx, id recordID, m *recordMeta, by string) error {
	now := v.now()
	if err := tx.Bucket(bFields).Delete(id[:]); err != nil {
		return err
	}
	if err := v.deleteIndex(tx, id, m); err != nil {
		return err
	}
	ab := tx.Bucket(bAliases)
	rb := tx.Bucket(bRecAliases)
	for _, a := range recordAliases(tx, id, m) {
		alias := []byte(a)
		var e aliasEntry
		found, err := getAliasEntry(ab, alias, &e)
		if err != nil {
			return err
		}
		// The links are derived data in no sum: one put in from outside
		// would have this erasure (keyless purge's too) mark another
		// customer's alias erased. check calls such a link inconsistent;
		// a primary alias's entry may be missing (an import's tail).
		if (found && e.Record != "" && e.Record != id.String()) || (!found && a != m.Alias) {
			return &IntegrityError{What: "an alias linked to the customer being erased does not name that customer back: the alias links were changed from outside; this change was not written; shopvault check with an owner's identity names the link"}
		}
		e.Erased = &now
		e.Note = ""
		e.Courier = ""
		if v.pending != nil {
			v.pending.aliases[string(alias)] = encodeAlias(&e)
		} else if err := v.putAliasEntry(tx, alias, e); err != nil {
			return err
		}
		if err := rb.Delete(append(append([]byte{}, id[:]...), alias...)); err != nil {
			return err
		}
	}
	if err := v.deleteTagged(tx, "records", id[:]); err != nil {
		return err
	}
	return v.putTaggedJSON(tx, "tombstones", id[:], tombstone{Erased: now, By: by})
}

// unlinkShipments clears the record and alias of shipments to erased
// customers, keeping date, courier and ref for the shop's accounts.
func (v *Vault) unlinkShipments(tx *bolt.Tx, erased map[string]bool) error {
	if len(erased) == 0 {
		return nil
	}
	sb := tx.Bucket(bShipments)
	type upd struct {
		k []byte
		s shipment
	}
	var ups []upd
	err := sb.ForEach(func(k, data []byte) error {
		var s shipment
		if err := json.Unmarshal(data, &s); err != nil {
			return &IntegrityError{What: fmt.Sprintf("shipment %x does not decode", k)}
		}
		if erased[s.Record] {
			s.Record, s.Alias = "", ""
			ups = append(ups, upd{append([]byte{}, k...), s})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, u := range ups {
		if err := v.putTaggedJSON(tx, "shipments", u.k, u.s); err != nil {
			return err
		}
	}
	return nil
}

// ForgetResult says what forget did: one of Erased and Requested is set
// (pointers, so the other one is left out of the JSON, docs/json.md).
type ForgetResult struct {
	Alias     string     `json:"alias"`
	Erased    *time.Time `json:"erased,omitempty"`
	Requested *time.Time `json:"erasure_requested,omitempty"`
}

// Forget erases a customer now, on their request: fields, aliases, index
// entries, the link from shipments; leaves a tombstone, records the event
// and compacts the file. Owner or support.
func (v *Vault) Forget(alias string) (ForgetResult, error) {
	var res ForgetResult
	err := v.update(func(tx *bolt.Tx) error {
		if err := v.requireRole(tx, RoleSupport); err != nil {
			return err
		}
		id, m, canon, err := v.resolve(tx, alias)
		if err != nil {
			return err
		}
		if err := v.refuseCustomerName(tx, id, m, "reason", v.opts.Reason); err != nil {
			return err
		}
		if err := v.eraseInTx(tx, id, m, "forget"); err != nil {
			return err
		}
		if err := v.unlinkShipments(tx, map[string]bool{id.String(): true}); err != nil {
			return err
		}
		now := v.now()
		res = ForgetResult{Alias: alias, Erased: &now}
		return v.appendAudit(tx, AuditEntry{Action: "forget", Aliases: []string{canon}})
	})
	if err != nil {
		return res, err
	}
	return res, v.Compact()
}

// RequestErasure marks erasure_requested, for rules that act after a grace
// period. Owner or support.
func (v *Vault) RequestErasure(alias string) (ForgetResult, error) {
	var now time.Time
	_, err := v.changeMeta(alias, RoleSupport, func(m *recordMeta) AuditEntry {
		now = v.now()
		m.ErasureRequested = &now
		return AuditEntry{Action: "erasure request"}
	})
	return ForgetResult{Alias: alias, Requested: &now}, err
}

// changeMeta is the shape of every metadata-only change to one customer:
// check the role, resolve the alias, let change edit the metadata and name
// the audit entry, store both in one transaction.
func (v *Vault) changeMeta(alias string, role Role, change func(m *recordMeta) AuditEntry) (Customer, error) {
	return v.changeMetaNoting(alias, role, nil, change)
}

// changeMetaNoting is changeMeta for a change that also stores plaintext
// text about the customer (field/value pairs, such as a hold's reason):
// like --reason, it must not name them.
func (v *Vault) changeMetaNoting(alias string, role Role, notes []string, change func(m *recordMeta) AuditEntry) (Customer, error) {
	var c Customer
	err := v.update(func(tx *bolt.Tx) error {
		if err := v.requireRole(tx, role); err != nil {
			return err
		}
		id, m, canon, err := v.resolve(tx, alias)
		if err != nil {
			return err
		}
		if err := v.refuseCustomerName(tx, id, m, append([]string{"reason", v.opts.Reason}, notes...)...); err != nil {
			return err
		}
		e := change(m)
		if err := v.putMeta(tx, id, m); err != nil {
			return err
		}
		c = customerFromMeta(id, m)
		e.Aliases = []string{canon}
		return v.appendAudit(tx, e)
	})
	return c, err
}

// Tombstones lists erasures (record id and time only).
func (v *Vault) tombstones(tx *bolt.Tx) (map[string]tombstone, error) {
	out := map[string]tombstone{}
	err := tx.Bucket(bTombstones).ForEach(func(k, data []byte) error {
		var t tombstone
		if err := json.Unmarshal(data, &t); err != nil {
			return &IntegrityError{What: fmt.Sprintf("tombstone %x does not decode", k)}
		}
		var id recordID
		copy(id[:], k)
		out[id.String()] = t
		return nil
	})
	return out, err
}

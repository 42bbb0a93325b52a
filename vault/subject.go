package vault

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// SetConsent grants or withdraws a consent purpose, with a timestamp.
// Withdrawal is a retention trigger; either counts as customer activity.
// Owner or support.
func (v *Vault) SetConsent(alias, purpose string, grant bool) (Customer, error) {
	if err := ValidateConsent([]string{purpose}); err != nil {
		return Customer{}, err
	}
	return v.changeMeta(alias, RoleSupport, func(m *recordMeta) AuditEntry {
		now := v.now()
		if m.Consent == nil {
			m.Consent = map[string]Consent{}
		}
		m.Consent[purpose] = Consent{Granted: grant, At: now}
		m.LastActivity = now
		if !grant {
			m.ConsentWithdrawn = &now
			return AuditEntry{Action: "consent withdraw", Detail: purpose}
		}
		return AuditEntry{Action: "consent grant", Detail: purpose}
	})
}

// SetHold exempts a customer from retention rules until a date (a legal
// hold, an open dispute). A zero until lifts the hold. Owner only.
func (v *Vault) SetHold(alias string, until time.Time, reason string) (Customer, error) {
	if err := checkCustomerMetadata("reason", reason); err != nil {
		return Customer{}, err
	}
	// A hold that ended already exempts nothing: "held until 2020-01-01"
	// would only mislead.
	today := v.now().Truncate(24 * time.Hour)
	if !until.IsZero() && until.Before(today.AddDate(0, 0, 1)) {
		return Customer{}, &InputError{Field: "until", Reason: "is not after today; a hold lasts until a day to come",
			Hint: "nothing was written; give a later date (--until 2027-06-30) or a length (--until 90d); --release lifts a hold"}
	}
	return v.changeMetaNoting(alias, RoleOwner, []string{"reason", reason}, func(m *recordMeta) AuditEntry {
		if until.IsZero() {
			m.Hold = nil
			return AuditEntry{Action: "hold", Detail: "lifted"}
		}
		m.Hold = &Hold{Until: until, Reason: reason}
		return AuditEntry{Action: "hold", Detail: "until " + until.Format(time.DateOnly)}
	})
}

// SubjectExport is everything the vault holds about one customer.
type SubjectExport struct {
	Generated time.Time          `json:"generated"`
	Customer  map[string]any     `json:"customer"`
	Aliases   []AliasInfo        `json:"aliases"`
	Shipments []Shipment         `json:"shipments"`
	Consent   map[string]Consent `json:"consent"`
	Access    []AuditEntry       `json:"access_log"`
}

// Subject gathers a subject-access export: every field, alias, shipment,
// consent and access-log entry about the customer. It needs keys for every
// group the record holds and is itself recorded.
func (v *Vault) Subject(alias string) (SubjectExport, error) {
	var out SubjectExport
	err := v.update(func(tx *bolt.Tx) error {
		id, m, canon, err := v.resolve(tx, alias)
		if err != nil {
			return err
		}
		if err := v.need(tx, SealedGroups...); err != nil {
			return err
		}
		vals, err := v.readFields(tx, id, m, m.Fields)
		if err != nil {
			return err
		}
		cust := map[string]any{
			"alias": crypto.FormatAlias(m.Alias), "created": m.Created, "updated": m.Updated,
			"last_activity": m.LastActivity, "last_shipment": m.LastShipment, "erasure_requested": m.ErasureRequested,
		}
		for _, f := range FieldNames {
			if val, ok := vals[f]; ok {
				cust[f] = val
			}
		}
		aliases, err := v.aliasesOf(tx, id)
		if err != nil {
			return err
		}
		mine := map[string]bool{}
		for _, a := range aliases {
			mine[a.Alias] = true
		}
		var ships []Shipment
		err = tx.Bucket(bShipments).ForEach(func(k, data []byte) error {
			var s shipment
			if err := json.Unmarshal(data, &s); err != nil {
				return &IntegrityError{What: "shipment does not decode"}
			}
			if s.Record == id.String() {
				ships = append(ships, Shipment{ID: fmt.Sprintf("%x", k), Alias: crypto.FormatAlias(s.Alias), Date: s.Date, Courier: s.Courier, Ref: s.Ref})
			}
			return nil
		})
		if err != nil {
			return err
		}
		var access []AuditEntry
		err = tx.Bucket(bAudit).ForEach(func(k, data []byte) error {
			var e AuditEntry
			if err := json.Unmarshal(data, &e); err != nil {
				return &IntegrityError{What: "audit entry does not decode"}
			}
			for _, a := range e.Aliases {
				if mine[a] {
					e.Aliases = []string{a}
					access = append(access, e)
					break
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		consent := m.Consent
		if consent == nil {
			consent = map[string]Consent{}
		}
		out = SubjectExport{Generated: v.now(), Customer: cust, Aliases: aliases, Shipments: ships, Consent: consent, Access: access}
		if out.Shipments == nil {
			out.Shipments = []Shipment{}
		}
		if out.Access == nil {
			out.Access = []AuditEntry{}
		}
		return v.appendAudit(tx, AuditEntry{Action: "export subject", Aliases: []string{canon}})
	})
	return out, err
}

// Inventory is the data audit a shop owner needs, from metadata alone.
type Inventory struct {
	Customers   int            `json:"customers"`
	FieldsHeld  map[string]int `json:"fields_held"`
	Consents    map[string]int `json:"consents_granted"`
	Oldest      *time.Time     `json:"oldest_record"` // null in an empty vault
	OnHold      int            `json:"on_hold"`
	Erasures    int            `json:"erasures"`
	Shipments   int            `json:"shipments"`
	Recipients  map[Role]int   `json:"recipients_by_role"`
	RulesToday  map[string]int `json:"rules_due_today"` // null without rules
	LastPurge   *time.Time     `json:"last_purge"`      // null before the first
	VaultBytes  int64          `json:"vault_bytes"`
	AuditEvents int            `json:"audit_entries"`
}

// Inventory counts what the vault holds. Keyless. rules may be nil.
func (v *Vault) Inventory(rules *Rules) (Inventory, error) {
	inv := Inventory{FieldsHeld: map[string]int{}, Consents: map[string]int{}, Recipients: map[Role]int{}}
	err := v.view(func(tx *bolt.Tx) error {
		err := forEachRecord(tx, func(_ recordID, m *recordMeta) error {
			inv.Customers++
			for _, f := range m.Fields {
				inv.FieldsHeld[f]++
			}
			for p, c := range m.Consent {
				// An older import could store a column's "no" or "false"
				// as a purpose; it was never consent, so it is not counted
				// (and the privacy notice, built from this, never shows it).
				if c.Granted && IsConsentPurpose(p) {
					inv.Consents[p]++
				}
			}
			if inv.Oldest == nil || m.Created.Before(*inv.Oldest) {
				t := m.Created
				inv.Oldest = &t
			}
			if m.Hold != nil && m.Hold.Until.After(v.now()) {
				inv.OnHold++
			}
			return nil
		})
		if err != nil {
			return err
		}
		inv.Erasures = countKeys(tx.Bucket(bTombstones))
		inv.Shipments = countKeys(tx.Bucket(bShipments))
		inv.AuditEvents = countKeys(tx.Bucket(bAudit))
		inv.VaultBytes = tx.Size()
		rc := tx.Bucket(bRecipients).Cursor()
		for k, data := rc.First(); k != nil; k, data = rc.Next() {
			var r recipientInfo
			if json.Unmarshal(data, &r) == nil {
				inv.Recipients[r.Role]++
			}
		}
		if rules != nil {
			inv.RulesToday = map[string]int{}
			for _, r := range rules.Rules {
				inv.RulesToday[r.Name] = 0
			}
			p, err := v.plan(tx, rules, nil, nil)
			if err != nil {
				return err
			}
			for _, it := range p.Plan {
				inv.RulesToday[it.Rule]++
			}
		}
		lp, err := v.lastPurge(tx)
		if err != nil {
			return err
		}
		if lp != nil {
			inv.LastPurge = &lp.Time
		}
		return nil
	})
	return inv, err
}

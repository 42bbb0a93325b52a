package vault

import (
	"bytes"
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// CanonicalAlias parses an alias as a person typed it; a malformed alias or
// a wrong check character is a NotFoundError saying which.
func CanonicalAlias(text string) (string, error) {
	canon, err := crypto.ParseAlias(text)
	if err != nil {
		reason := NotFoundMalformed
		if errors.Is(err, crypto.ErrAliasCheck) {
			reason = NotFoundCheck
		}
		return "", &NotFoundError{Alias: text, Reason: reason}
	}
	return canon, nil
}

// resolve turns any live alias of a customer into its record. Unknown,
// mistyped, revoked, expired and erased aliases give a NotFoundError that
// says which.
func (v *Vault) resolve(tx *bolt.Tx, text string) (recordID, *recordMeta, string, error) {
	var id recordID
	canon, err := CanonicalAlias(text)
	if err != nil {
		return id, nil, "", err
	}
	shown := crypto.FormatAlias(canon)
	var e aliasEntry
	ok, err := getAliasEntry(tx.Bucket(bAliases), []byte(canon), &e)
	if err != nil {
		return id, nil, "", err
	}
	if !ok {
		return id, nil, "", &NotFoundError{Alias: shown, Reason: NotFoundUnknown}
	}
	now := v.now()
	switch {
	case e.Erased != nil:
		return id, nil, "", &NotFoundError{Alias: shown, Reason: NotFoundErased, When: *e.Erased}
	case e.Revoked != nil:
		return id, nil, "", &NotFoundError{Alias: shown, Reason: NotFoundRevoked, When: *e.Revoked}
	case e.Expires != nil && !now.Before(*e.Expires):
		return id, nil, "", &NotFoundError{Alias: shown, Reason: NotFoundExpired, When: *e.Expires}
	}
	id, err = parseRecordID(e.Record)
	if err != nil {
		return id, nil, "", &IntegrityError{What: "alias " + shown + " points to a malformed record id"}
	}
	m, err := loadMeta(tx, id)
	if err != nil {
		return id, nil, "", err
	}
	if m == nil {
		var t tombstone
		if ok, _ := getJSON(tx.Bucket(bTombstones), id[:], &t); ok {
			return id, nil, "", &NotFoundError{Alias: shown, Reason: NotFoundErased, When: t.Erased}
		}
		return id, nil, "", &IntegrityError{What: "alias " + shown + " points to a missing record"}
	}
	// The record must name the alias back (its primary in the tagged
	// metadata, another by its link): two alias entries swapped from
	// outside would otherwise print one customer's label for another.
	if m.Alias != canon && tx.Bucket(bRecAliases).Get(append(bytes.Clone(id[:]), canon...)) == nil {
		return id, nil, "", &IntegrityError{What: "alias " + shown + " is not one of the record it points to: the alias table was changed from outside"}
	}
	return id, m, canon, nil
}

// AliasInfo describes one alias of a customer.
type AliasInfo struct {
	Alias   string     `json:"alias"`
	Primary bool       `json:"primary"`
	Courier string     `json:"courier"` // "" when none
	Note    string     `json:"note"`
	Created time.Time  `json:"created"`
	Expires *time.Time `json:"expires"` // null when it never expires
	Revoked *time.Time `json:"revoked"`
	Live    bool       `json:"live"`
}

// IssueAlias mints an extra alias for the customer of alias (per courier,
// per shipment). Metadata only, but written in the name of a current
// recipient of one of IssueAliasRoles.
func (v *Vault) IssueAlias(alias, courier, note string, expires *time.Time) (string, error) {
	var out string
	if err := checkCustomerMetadata("courier", courier, "note", note); err != nil {
		return out, err
	}
	// An alias expired when issued only fails on the label it is printed on.
	if expires != nil && !expires.After(v.now()) {
		return out, &InputError{Field: "expires", Reason: "is not in the future; the alias would be expired when issued",
			Hint: "nothing was written; give a length (--expires 30d) or a later date (--expires 2027-06-30), or no --expires for an alias that does not expire"}
	}
	err := v.update(func(tx *bolt.Tx) error {
		if err := v.requireActor(tx, "issue aliases", IssueAliasRoles...); err != nil {
			return err
		}
		id, _, canon, err := v.resolve(tx, alias)
		if err != nil {
			return err
		}
		a, err := v.mintAlias(tx)
		if err != nil {
			return err
		}
		if err := v.putAlias(tx, a, id, aliasEntry{Courier: courier, Note: note, Created: v.now(), Expires: expires}); err != nil {
			return err
		}
		out = crypto.FormatAlias(a)
		return v.appendAudit(tx, AuditEntry{Action: "alias issue", Aliases: []string{canon, a}, Detail: courier})
	})
	return out, err
}

// ListAliases lists every alias of the customer of alias.
func (v *Vault) ListAliases(alias string) ([]AliasInfo, error) {
	var out []AliasInfo
	err := v.view(func(tx *bolt.Tx) error {
		id, _, _, err := v.resolve(tx, alias)
		if err != nil {
			return err
		}
		out, err = v.aliasesOf(tx, id)
		return err
	})
	return out, err
}

func (v *Vault) aliasesOf(tx *bolt.Tx, id recordID) ([]AliasInfo, error) {
	var out []AliasInfo
	now := v.now()
	m, err := loadMeta(tx, id)
	if err != nil || m == nil {
		return nil, err
	}
	for _, canon := range recordAliases(tx, id, m) {
		var e aliasEntry
		if _, err := getAliasEntry(tx.Bucket(bAliases), []byte(canon), &e); err != nil {
			return nil, err
		}
		live := e.Revoked == nil && e.Erased == nil && (e.Expires == nil || now.Before(*e.Expires))
		out = append(out, AliasInfo{Alias: crypto.FormatAlias(canon), Primary: e.Primary, Courier: e.Courier, Note: e.Note,
			Created: e.Created, Expires: wholeSeconds(e.Expires), Revoked: wholeSeconds(e.Revoked), Live: live})
	}
	return out, nil
}

// recordAliases lists a record's aliases, primary first. The primary is in
// the record's metadata; only the others have a link in recaliases (format
// 1 linked the primary too, so a link equal to it is skipped).
func recordAliases(tx *bolt.Tx, id recordID, m *recordMeta) []string {
	var out []string
	if m.Alias != "" {
		out = append(out, m.Alias)
	}
	c := tx.Bucket(bRecAliases).Cursor()
	for k, _ := c.Seek(id[:]); k != nil && bytes.HasPrefix(k, id[:]); k, _ = c.Next() {
		if a := string(k[idLen:]); a != m.Alias {
			out = append(out, a)
		}
	}
	return out
}

// RevokeAlias stops an alias from resolving. The primary alias cannot be
// revoked (it is how the shop itself refers to the customer).
func (v *Vault) RevokeAlias(alias string) error {
	return v.update(func(tx *bolt.Tx) error {
		// The alias entry is tagged: only a person can sign its change.
		if err := v.requireActor(tx, "revoke aliases", IssueAliasRoles...); err != nil {
			return err
		}
		_, _, canon, err := v.resolve(tx, alias)
		if err != nil {
			return err
		}
		var e aliasEntry
		if _, err := getAliasEntry(tx.Bucket(bAliases), []byte(canon), &e); err != nil {
			return err
		}
		if e.Primary {
			return &InputError{Field: "alias", Reason: "is the customer's primary alias and cannot be revoked; revoke extra aliases, or forget the customer"}
		}
		now := v.now()
		e.Revoked = &now
		if err := v.putAliasEntry(tx, []byte(canon), e); err != nil {
			return err
		}
		return v.appendAudit(tx, AuditEntry{Action: "alias revoke", Aliases: []string{canon}})
	})
}

// Aliases lists every live primary alias (shell completion; no key needed).
func (v *Vault) Aliases() ([]string, error) {
	var out []string
	err := v.view(func(tx *bolt.Tx) error {
		return forEachRecord(tx, func(_ recordID, m *recordMeta) error {
			out = append(out, crypto.FormatAlias(m.Alias))
			return nil
		})
	})
	return out, err
}

// wholeSeconds shows a time as every other time is shown (RFC 3339,
// seconds): an expiry stored by an older binary kept its nanoseconds.
func wholeSeconds(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	s := t.Truncate(time.Second)
	return &s
}

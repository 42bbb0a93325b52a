package vault

import (
	"encoding/json"
	"filippo.io/age"
	"slices"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// Recipient is a person or device that can unlock keys, with its role.
type Recipient struct {
	ID        string    `json:"id"`
	Label     string    `json:"label"`
	Role      Role      `json:"role"`
	Recipient string    `json:"recipient"`
	Added     time.Time `json:"added"`
	Groups    []Group   `json:"groups"`
}

// Recipients lists who can unlock what (metadata; no key needed).
func (v *Vault) Recipients() ([]Recipient, error) {
	var out []Recipient
	err := v.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bRecipients).ForEach(func(k, data []byte) error {
			var info recipientInfo
			if err := json.Unmarshal(data, &info); err != nil {
				return &IntegrityError{What: "recipient entry does not decode"}
			}
			out = append(out, Recipient{ID: string(k), Label: info.Label, Role: info.Role, Recipient: info.Recipient, Added: info.Added, Groups: roleGroups[info.Role]})
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Added.Before(out[j].Added) })
	return out, err
}

// AddRecipient wraps the keys of role's groups to a new recipient. Owner only.
func (v *Vault) AddRecipient(recipient string, role Role, label string) (Recipient, error) {
	var out Recipient
	if !role.Valid() {
		return out, errUnknownRole
	}
	label = strings.TrimSpace(label)
	if label == "" || strings.ContainsAny(label, "\n\t") || len(label) > 64 {
		return out, &InputError{Field: "name", Reason: "give a short label for this person or device"}
	}
	if err := checkMetadata("name", label); err != nil {
		return out, err
	}
	r, err := crypto.ParseRecipient(recipient, nil)
	if err != nil {
		return out, &InputError{Field: "recipient", Reason: err.Error()}
	}
	rid := crypto.RecipientID(recipient)
	err = v.update(func(tx *bolt.Tx) error {
		if err := v.requireRole(tx, RoleOwner); err != nil {
			return err
		}
		rb := tx.Bucket(bRecipients)
		if rb.Get([]byte(rid)) != nil {
			return &InputError{Field: "recipient", Reason: "is already a recipient of this vault"}
		}
		dup := false
		c := rb.Cursor()
		for k, data := c.First(); k != nil && !dup; k, data = c.Next() {
			var info recipientInfo
			dup = json.Unmarshal(data, &info) == nil && info.Label == label
		}
		if dup {
			return &InputError{Field: "name", Reason: "another recipient already has this label"}
		}
		if err := v.wrapAllVersions(tx, append(slices.Clone(roleGroups[role]), GroupState), rid, r, ""); err != nil {
			return err
		}
		info := recipientInfo{Recipient: strings.TrimSpace(recipient), Role: role, Label: label, Added: v.now()}
		if err := v.newSigningKey(tx, rid, &info, nil); err != nil {
			return err
		}
		if err := putJSON(rb, []byte(rid), info); err != nil {
			return err
		}
		out = Recipient{ID: rid, Label: label, Role: role, Recipient: info.Recipient, Added: info.Added, Groups: roleGroups[role]}
		return v.appendAudit(tx, AuditEntry{Action: "recipients add", Detail: label + " (" + string(role) + ")"})
	})
	return out, err
}

// RemoveRecipient removes a recipient (by label or recipient string) and, in
// the same command, rotates every key it could open, so its identity opens
// nothing in the current vault file. The last owner cannot be removed.
func (v *Vault) RemoveRecipient(which string) (Recipient, RotateResult, error) {
	var out Recipient
	var rot RotateResult
	err := v.update(func(tx *bolt.Tx) error {
		if err := v.requireRole(tx, RoleOwner); err != nil {
			return err
		}
		rb := tx.Bucket(bRecipients)
		var rid string
		var info recipientInfo
		owners := 0
		err := rb.ForEach(func(k, data []byte) error {
			var i recipientInfo
			if err := json.Unmarshal(data, &i); err != nil {
				return &IntegrityError{What: "recipient entry does not decode"}
			}
			if i.Role == RoleOwner {
				owners++
			}
			if i.Label == which || i.Recipient == strings.TrimSpace(which) || string(k) == which {
				rid, info = string(k), i
			}
			return nil
		})
		if err != nil {
			return err
		}
		if rid == "" {
			return &InputError{Field: "recipient", Reason: "no recipient has this label or key (see recipients list)"}
		}
		if info.Role == RoleOwner && owners <= 1 {
			return &InputError{Field: "recipient", Reason: "is the last owner; add another owner first, or the vault could never be administered again"}
		}
		if rid == v.keys.actor.ID {
			return &InputError{Field: "recipient", Reason: "is the identity running this command; remove it with another owner's identity"}
		}
		for _, g := range append(slices.Clone(AllGroups), GroupState) {
			for _, ver := range keyVersions(tx, g) {
				if err := tx.Bucket(bKeys).Bucket([]byte(g)).Delete(wrappedKeyName(ver, rid)); err != nil {
					return err
				}
			}
		}
		if err := rb.Delete([]byte(rid)); err != nil {
			return err
		}
		if err := dropSigningKey(tx, rid); err != nil {
			return err
		}
		out = Recipient{ID: rid, Label: info.Label, Role: info.Role, Recipient: info.Recipient, Added: info.Added, Groups: roleGroups[info.Role]}
		return v.appendAudit(tx, AuditEntry{Action: "recipients remove", Detail: info.Label + " (" + string(info.Role) + ")"})
	})
	if err != nil {
		return out, rot, err
	}
	rot, err = v.Rotate(out.Groups)
	if err != nil {
		return out, rot, &UnfinishedRotationError{Done: "the recipient is removed", Err: err}
	}
	return out, rot, nil
}

// RotateOwnerIdentity replaces the session's own owner identity with a new
// recipient: the new one is added as an owner under the same label, the old
// one removed, and every key rotated, so the old identity file opens
// nothing in the current vault.
// replaced reports whether the new identity is in place (even when the
// rotation after it failed: the caller must then keep the new identity).
// newIdentity, when given, is the new identity itself: the owner's signing
// key is then derived from it, so it alone re-anchors trust on any machine.
func (v *Vault) RotateOwnerIdentity(newRecipient string, newIdentity age.Identity) (res RotateResult, replaced bool, err error) {
	r, err := crypto.ParseRecipient(newRecipient, nil)
	if err != nil {
		return res, false, &InputError{Field: "recipient", Reason: err.Error()}
	}
	rid := crypto.RecipientID(newRecipient)
	err = v.update(func(tx *bolt.Tx) error {
		if err := v.requireRole(tx, RoleOwner); err != nil {
			return err
		}
		old := v.keys.actor
		if err := v.wrapAllVersions(tx, append(slices.Clone(AllGroups), GroupState), rid, r, old.ID); err != nil {
			return err
		}
		rb := tx.Bucket(bRecipients)
		if err := rb.Delete([]byte(old.ID)); err != nil {
			return err
		}
		if err := dropSigningKey(tx, old.ID); err != nil {
			return err
		}
		info := recipientInfo{Recipient: strings.TrimSpace(newRecipient), Role: RoleOwner, Label: old.Label, Added: v.now()}
		if err := v.newSigningKey(tx, rid, &info, newIdentity); err != nil {
			return err
		}
		if err := putJSON(rb, []byte(rid), info); err != nil {
			return err
		}
		if err := v.appendAudit(tx, AuditEntry{Action: "rotate identity", Detail: old.Label}); err != nil {
			return err
		}
		v.keys.actor = &actorInfo{ID: rid, Label: old.Label, Role: RoleOwner}
		return nil
	})
	if err != nil {
		return res, false, err
	}
	if err := v.pinOwners(); err != nil {
		return res, true, err
	}
	res, err = v.Rotate(AllGroups)
	if err != nil {
		return res, true, &UnfinishedRotationError{Done: "the new identity is in place", Err: err}
	}
	return res, true, nil
}

// wrapAllVersions wraps every version of groups' keys to r under rid, and
// drops the wraps of replace (when set) in the same step.
func (v *Vault) wrapAllVersions(tx *bolt.Tx, groups []Group, rid string, r age.Recipient, replace string) error {
	for _, g := range groups {
		for _, ver := range keyVersions(tx, g) {
			key, err := v.keys.key(tx, g, ver)
			if err != nil {
				return err
			}
			blob, err := crypto.WrapKey(key, r)
			if err != nil {
				return err
			}
			gb := tx.Bucket(bKeys).Bucket([]byte(g))
			if err := gb.Put(wrappedKeyName(ver, rid), blob); err != nil {
				return err
			}
			if replace != "" {
				if err := gb.Delete(wrappedKeyName(ver, replace)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

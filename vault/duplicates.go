package vault

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// DuplicateRule is the part of the duplicate rule a customer matched.
type DuplicateRule string

// The duplicate rule: the same normalised email, or the same phone and the
// same name (a household shares a phone, not a name).
const (
	DuplicateEmail     DuplicateRule = "email"
	DuplicatePhoneName DuplicateRule = "phone and name"
)

// ErrDuplicate means a new customer matches an existing one by the
// duplicate rule.
var ErrDuplicate = errors.New("duplicate customer")

// DuplicateError names the existing customer a new one matches, by alias
// only: never the value that matched.
type DuplicateError struct {
	Alias string
	Rule  DuplicateRule
	// Entry is the new customer's place in the batch (AddAll), from 0.
	Entry int
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("customer %s already has the same %s", e.Alias, e.Rule)
}

func (e *DuplicateError) Unwrap() error { return ErrDuplicate }

// duplicateOf applies the duplicate rule through the blind index (import
// and add share it): the same normalised email, or the same phone and the
// same name. pre, when not nil, is the customer sealed ahead (its tokens
// are reused); hh, when not nil, is an import's cache of households.
func (v *Vault) duplicateOf(tx *bolt.Tx, norm func() map[string]string, pre *sealedRecord, hh *households) (*recordID, DuplicateRule, error) {
	return v.duplicateOfOther(tx, norm, pre, hh, nil)
}

// duplicateOfOther is duplicateOf passing over the record self (an edited
// customer matches their own index entries).
func (v *Vault) duplicateOfOther(tx *bolt.Tx, norm func() map[string]string, pre *sealedRecord, hh *households, self *recordID) (*recordID, DuplicateRule, error) {
	other := func(id recordID) bool { return self == nil || id != *self }
	// The normalised index values are computed only when a token must be
	// (the row was not sealed ahead, or an older index version exists).
	var vals map[byte]string
	value := func(kind byte) func() string {
		return func() string {
			if vals == nil {
				vals = indexValues(norm())
			}
			return vals[kind]
		}
	}
	has := func(kind byte) bool {
		if pre != nil {
			return pre.token(kind) != nil
		}
		return value(kind)() != ""
	}
	if has(kindEmail) {
		ids, err := v.lookupWith(tx, kindEmail, value(kindEmail), pre)
		if err != nil {
			return nil, "", err
		}
		for id := range ids {
			if other(id) {
				return &id, DuplicateEmail, nil
			}
		}
	}
	if !has(kindPhone) || !has(kindName) {
		return nil, "", nil
	}
	if id, known := hh.lookup(pre); known {
		return id, DuplicatePhoneName, nil
	}
	byPhone, err := v.lookupWith(tx, kindPhone, value(kindPhone), pre)
	if err != nil || len(byPhone) == 0 {
		return nil, "", err
	}
	if err := hh.fill(tx, pre, byPhone); err != nil {
		return nil, "", err
	}
	if id, known := hh.lookup(pre); known {
		return id, DuplicatePhoneName, nil
	}
	// Few records share a phone (a household); thousands can share a
	// name, so each phone match is checked for the name's entry rather
	// than listing everyone with the name.
	for id := range byPhone {
		if !other(id) {
			continue
		}
		found, err := v.hasIndexEntry(tx, kindName, value(kindName), pre, id)
		if err != nil {
			return nil, "", err
		}
		if found {
			return &id, DuplicatePhoneName, nil
		}
	}
	return nil, "", nil
}

// refuseDuplicate returns a DuplicateError naming the existing customer
// when norm matches one by the duplicate rule.
func (v *Vault) refuseDuplicate(tx *bolt.Tx, norm map[string]string, entry int) error {
	return v.refuseDuplicateOf(tx, norm, entry, nil)
}

// refuseDuplicateOf is refuseDuplicate passing over the record self.
func (v *Vault) refuseDuplicateOf(tx *bolt.Tx, norm map[string]string, entry int, self *recordID) error {
	id, rule, err := v.duplicateOfOther(tx, func() map[string]string { return norm }, nil, nil, self)
	if err != nil || id == nil {
		return err
	}
	m, err := loadMeta(tx, *id)
	if err != nil || m == nil {
		return err // an entry of an erased record (mid-rotation) names no one
	}
	dup := &DuplicateError{Alias: crypto.FormatAlias(m.Alias), Rule: rule, Entry: entry}
	return &InputError{Reason: dup.Error(), Err: dup}
}

// editedDuplicateKeys is the part of an edited customer that the duplicate
// rule must check: the email when the edit changes it; the phone and name
// when the edit changes either (and both are held). A part the edit leaves
// alone was allowed before and is not checked again.
func editedDuplicateKeys(before, after map[string]string) map[string]string {
	changed := func(f string) bool {
		return after[f] != "" && comparableValue(f, after[f]) != comparableValue(f, before[f])
	}
	out := map[string]string{}
	if changed("email") {
		out["email"] = after["email"]
	}
	if (changed("phone") || changed("name")) && after["phone"] != "" && after["name"] != "" {
		out["phone"], out["name"] = after["phone"], after["name"]
	}
	return out
}

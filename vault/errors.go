// Package vault is shopvault's store: one bbolt file holding sealed customer
// fields, plaintext metadata, aliases, shipments, the keyring, tombstones and
// the audit log. It never prints and never exits; every failure is an error
// a caller can classify with errors.Is / errors.As.
package vault

import (
	"errors"
	"fmt"
	"time"

	"github.com/shopvault/shopvault/internal/words"
)

// ErrExists means init found a vault already at the path.
var ErrExists = errors.New("a vault already exists at this path")

// ErrNoVault means there is no vault file at the path.
var ErrNoVault = errors.New("no vault at this path")

// NoVaultError names the path where no vault was found (errors.Is
// ErrNoVault), so a message can say where it looked.
type NoVaultError struct{ Path string }

func (e *NoVaultError) Error() string { return "no vault at " + e.Path }
func (e *NoVaultError) Unwrap() error { return ErrNoVault }

// NotVaultError means the file at Path is not a shopvault vault, or one too
// damaged to open (random bytes, a CSV, a truncated file). It is
// errors.Is ErrFormat.
type NotVaultError struct {
	Path  string
	Cause string // what the database layer said, for check and bug reports
}

func (e *NotVaultError) Error() string {
	return e.Path + " is not a shopvault vault or is damaged (" + e.Cause + ")"
}
func (e *NotVaultError) Unwrap() error { return ErrFormat }

// ErrLocked means another shopvault process holds the vault.
var ErrLocked = errors.New("vault is in use by another shopvault process")

// ErrIntegrity means tampered or corrupt data.
var ErrIntegrity = errors.New("integrity failure")

// ErrFormat means the file is not a vault this version understands.
var ErrFormat = errors.New("not a shopvault vault of a known format")

// ErrReadOnly means a write was asked of a vault opened with
// Options.ReadOnly.
var ErrReadOnly = errors.New("vault opened read-only")

// ErrNoIdentity means a command needs a key but no identity or passphrase was given.
var ErrNoIdentity = errors.New("no identity or passphrase given")

// ErrWrongIdentity means the identities given open no key of this vault.
var ErrWrongIdentity = errors.New("the identity given cannot unlock this vault")

// ErrBackupIdentity means no identity given opens a backup: it is
// encrypted to the owners as they were when it was made.
var ErrBackupIdentity = errors.New("none of the identities in use opens this backup")

// ErrInterrupted means Options.Stop stopped a long operation between two
// committed batches; see InterruptedError.
var ErrInterrupted = errors.New("interrupted")

// InterruptedError says how far a stopped rotation got. It is an
// ErrInterrupted.
type InterruptedError struct{ Done, Total int }

func (e *InterruptedError) Error() string {
	return fmt.Sprintf("interrupted after %d of %s", e.Done, words.Count(e.Total, "customer"))
}

func (e *InterruptedError) Unwrap() error { return ErrInterrupted }

// ErrWrongPassphrase means the passphrase (every try of it) does not open
// the vault's passphrase-protected owner identity. It is also an
// ErrWrongIdentity.
var ErrWrongPassphrase = fmt.Errorf("%w: the passphrase is wrong", ErrWrongIdentity)

// InputError is input the vault refuses: invalid, or data it does not keep.
// Field names the field; Reason never quotes the refused value. Category is
// set when the sensitive-data guard refused it: the sensitive.Category
// names found, comma-separated.
type InputError struct {
	Field  string
	Reason string
	// Hint, when set, says what to do instead of the generic "fix the value".
	Hint     string
	Category string
	// Err, when set, is the sentinel that classifies the refusal
	// (ErrMalformedRow).
	Err error
}

// ErrMalformedRow means one row of an import file is broken (a stray
// quote) but the rows after it can still be read; any other refusal from
// a file reader ends the import.
var ErrMalformedRow = errors.New("malformed row")

func (e *InputError) Unwrap() error { return e.Err }

// ErrNoCountry is a phone in national format with no country given and no
// default country set.
// The caller words what to do (give the customer's country, set a default
// country, or write the number as +CC…).
var ErrNoCountry = &InputError{Field: "phone", Reason: "is in a national format and no country is given"}

// ErrNoQuery is a search given no email, phone or name.
var ErrNoQuery = &InputError{Reason: "a search needs an email, a phone or a name"}

func (e *InputError) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return fmt.Sprintf("%s: %s", e.Field, e.Reason)
}

// NotFoundReason says why an alias or query found no customer.
type NotFoundReason string

// Reasons of a NotFoundError.
const (
	NotFoundUnknown   NotFoundReason = "unknown"   // no such alias
	NotFoundMalformed NotFoundReason = "malformed" // not written like an alias
	NotFoundCheck     NotFoundReason = "check"     // wrong check character: a typo
	NotFoundRevoked   NotFoundReason = "revoked"
	NotFoundExpired   NotFoundReason = "expired"
	NotFoundErased    NotFoundReason = "erased"
	NotFoundNoMatch   NotFoundReason = "no match" // a search matched nobody
)

// NotFoundError is an alias or customer that does not resolve.
type NotFoundError struct {
	Alias  string
	Reason NotFoundReason
	When   time.Time
}

func (e *NotFoundError) Error() string {
	switch e.Reason {
	case NotFoundMalformed:
		// Not repeated: what was typed may be an email, a phone number or
		// a name given where an alias belongs.
		return "the value given is not an alias (aliases look like K7QM-4TXR-Z)"
	case NotFoundCheck:
		return fmt.Sprintf("alias %s has a wrong check character: probably a typo", e.Alias)
	case NotFoundRevoked:
		return fmt.Sprintf("alias %s was revoked on %s", e.Alias, e.When.Format(time.DateOnly))
	case NotFoundExpired:
		return fmt.Sprintf("alias %s expired on %s", e.Alias, e.When.Format(time.DateOnly))
	case NotFoundErased:
		return fmt.Sprintf("the customer of alias %s was erased on %s", e.Alias, e.When.Format(time.DateOnly))
	case NotFoundNoMatch:
		return "no customer matches"
	}
	return fmt.Sprintf("no customer has alias %s", e.Alias)
}

// NeedRoleError means the unlocked identity cannot open a key group the
// command needs.
type NeedRoleError struct {
	Groups []Group
	Actor  string
	Role   Role // the actor's role, "" when no identity matched at all
}

// RolesFor lists the roles that can open every group.
func RolesFor(groups []Group) []Role {
	var out []Role
	for _, r := range RoleNames {
		ok := true
		for _, g := range groups {
			if !roleHasGroup(r, g) {
				ok = false
			}
		}
		if ok {
			out = append(out, r)
		}
	}
	return out
}

func (e *NeedRoleError) Error() string {
	need := joinRoles(RolesFor(e.Groups))
	if e.Role == "" {
		return fmt.Sprintf("this needs the %s key (role %s), and no identity given opens it", joinGroups(e.Groups, "+"), need)
	}
	return fmt.Sprintf("%s (role %s) cannot open the %s key: this needs role %s", e.Actor, e.Role, joinGroups(e.Groups, "+"), need)
}

// IntegrityError names what failed an integrity check.
type IntegrityError struct{ What string }

func (e *IntegrityError) Error() string { return "integrity failure: " + e.What }

// Unwrap makes errors.Is(err, ErrIntegrity) hold.
func (e *IntegrityError) Unwrap() error { return ErrIntegrity }

// ErrReasonRequired means the vault requires a purpose (--reason) for reads
// of personal data by the support role.
var ErrReasonRequired = errors.New("this vault requires a reason for every read of personal data by the support role")

// TrustError means this machine cannot establish who signed the vault's
// policy (no owner pinned and no owner identity given), or the vault needs
// an owner to upgrade it first. Reason says which; the caller words what
// to do.
type TrustError struct {
	What   string
	Reason TrustReason
}

// TrustReason says why a TrustError stopped a command.
type TrustReason int

// Reasons of a TrustError.
const (
	// TrustUnpinned: no owner is pinned on this machine and no owner
	// identity was given; an owner's identity or a pinned fingerprint
	// anchors trust.
	TrustUnpinned TrustReason = iota + 1
	// TrustNotUpgraded: a format-2 vault is read-only until its owner
	// opens it once (which upgrades it); in a format-3 vault, changes to
	// tagged entries (customers, aliases, shipments, erasures) wait for
	// that open too.
	TrustNotUpgraded
	// TrustFileUnreadable: this machine's trust file for the vault does
	// not decode.
	TrustFileUnreadable
	// TrustNoPurgeKey: keyless purge has no purge key on this machine (or
	// one the policy does not name) and does not run unsigned; the file
	// belongs where What says, and an owner can issue a new one.
	TrustNoPurgeKey
	// TrustPurgeWaits: a keyless run of an earlier version wrote since a
	// person last signed; purge signs again once a person has written.
	TrustPurgeWaits
	// TrustNeedsPerson: a change of customer entries was attempted without
	// a key; only a person's identity can sign it.
	TrustNeedsPerson
)

// ErrUnknownFingerprint means a fingerprint to pin names no owner who
// signed the vault's policy.
var ErrUnknownFingerprint = errors.New("unknown owner fingerprint")

func (e *TrustError) Error() string { return e.What }

// UnfinishedRotationError means a change was made (Done says which) but
// the key rotation that must follow it failed with Err. The keys it was
// rotating are still the old ones; an owner's next rotation, or any owner
// write, finishes it.
type UnfinishedRotationError struct {
	Done string
	Err  error
}

func (e *UnfinishedRotationError) Error() string {
	return e.Done + ", but rotating the keys failed: " + e.Err.Error()
}

func (e *UnfinishedRotationError) Unwrap() error { return e.Err }

// StateFileError means a write transaction was committed to the vault but
// this machine's record of it (the trust file or the rollback witness)
// could not be saved. The vault is fine; the next write saves the record
// again, and until then a rollback to the state before this write would go
// unnoticed on this machine.
type StateFileError struct{ Err error }

func (e *StateFileError) Error() string {
	return "the change was written to the vault, but this machine's record of it was not saved: " + e.Err.Error()
}

func (e *StateFileError) Unwrap() error { return e.Err }

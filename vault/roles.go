package vault

import (
	"errors"
	"slices"
	"strings"
)

// Group names a key group: the keyring holds one key (in versions) per
// group, and a role opens a fixed set of groups. Its string is the group's
// bucket name under keys and its spelling in JSON, so it must not change.
type Group string

// Key groups. The fields' groups seal customer fields; index keys the blind
// index; audit is the owners' key; GroupState (entrytags.go) tags entries.
const (
	GroupShipping Group = "shipping"
	GroupContact  Group = "contact"
	GroupNotes    Group = "notes"
	GroupIndex    Group = "index"
	GroupAudit    Group = "audit"
)

// SealedGroups are the groups whose keys seal fields.
var SealedGroups = []Group{GroupShipping, GroupContact, GroupNotes}

// AllGroups are every key the keyring holds.
var AllGroups = []Group{GroupShipping, GroupContact, GroupNotes, GroupIndex, GroupAudit}

// Role is what a recipient may do; it decides which key groups are wrapped
// to them. Its string is stored in recipient entries, heads and the audit
// log, which are signed or hashed, so the spellings must not change.
type Role string

// Roles.
const (
	RoleOwner    Role = "owner"
	RoleSupport  Role = "support"
	RoleShipping Role = "shipping"
)

// roleGroups: owner reads and administers all; support reads contact, notes
// and shipping and can search; shipping reads the shipping fields only.
// Only owners hold the audit key, so only owners authenticate the log head.
var roleGroups = map[Role][]Group{
	RoleOwner:    {GroupShipping, GroupContact, GroupNotes, GroupIndex, GroupAudit},
	RoleSupport:  {GroupShipping, GroupContact, GroupNotes, GroupIndex},
	RoleShipping: {GroupShipping},
}

// Valid tells whether r is a known role.
func (r Role) Valid() bool { _, ok := roleGroups[r]; return ok }

// Groups are the key groups r opens (nil for an unknown role).
func (r Role) Groups() []Group { return roleGroups[r] }

func roleHasGroup(role Role, group Group) bool {
	if group == GroupState {
		return role.Valid() // every person who writes data tags it
	}
	for _, g := range roleGroups[role] {
		if g == group {
			return true
		}
	}
	return false
}

// ErrUnknownRole means a role name is none of RoleNames.
var ErrUnknownRole = errors.New("unknown role")

// ErrUnknownGroup means a key group name is none of AllGroups.
var ErrUnknownGroup = errors.New("unknown key group")

// RoleNames are the roles a recipient can be given, fewest rights first.
var RoleNames = []Role{RoleShipping, RoleSupport, RoleOwner}

// ParseRole reads a role name as a person types it (any case). An unknown
// name is an *InputError that is an ErrUnknownRole.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(s))
	if !r.Valid() {
		return "", errUnknownRole
	}
	return r, nil
}

var errUnknownRole = &InputError{Field: "role", Reason: "must be owner, support or shipping", Err: ErrUnknownRole}

// ParseGroup reads a key group name. An unknown name is an
// *InputError that is an ErrUnknownGroup; GroupState is internal and not
// accepted.
func ParseGroup(s string) (Group, error) {
	g := Group(s)
	if !slices.Contains(AllGroups, g) {
		return "", &InputError{Field: "group", Reason: "must be shipping, contact, notes, index or audit", Err: ErrUnknownGroup}
	}
	return g, nil
}

// joinRoles lists roles for a message: "support or owner".
func joinRoles(roles []Role) string { return joinNames(roles, " or ") }

// joinGroups lists groups with sep between them.
func joinGroups(groups []Group, sep string) string { return joinNames(groups, sep) }

func joinNames[T ~string](names []T, sep string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = string(n)
	}
	return strings.Join(parts, sep)
}

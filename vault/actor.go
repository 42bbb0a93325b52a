package vault

import (
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Roles allowed to record writes that name who did them. Keyless sessions
// (cron) may only purge and back up; these commands need a person.
var (
	ShipRoles       = []Role{RoleOwner, RoleSupport, RoleShipping}
	IssueAliasRoles = []Role{RoleOwner, RoleSupport}
	RestoreRoles    = []Role{RoleOwner}
)

// RoleError means the session's identity is a current recipient whose role
// may not do what was asked.
type RoleError struct {
	Action  string
	Actor   string
	Role    Role
	Allowed []Role
}

func (e *RoleError) Error() string {
	return fmt.Sprintf("%s (role %s) may not %s: this needs role %s", e.Actor, e.Role, e.Action, joinRoles(e.Allowed))
}

// requireActor makes sure the session is a current recipient with one of
// roles, so the write it authorises names a person who may make it. A
// missing identity is ErrNoIdentity, an identity that is not (or no longer)
// a recipient is ErrWrongIdentity.
func (v *Vault) requireActor(tx *bolt.Tx, action string, roles ...Role) error {
	actor, err := v.keys.whoAmI(tx)
	if err != nil {
		return err
	}
	if !slices.Contains(roles, actor.Role) {
		return &RoleError{Action: action, Actor: actor.Label, Role: actor.Role, Allowed: roles}
	}
	return nil
}

// identifyIfGiven names the session's person when identities were given
// (so a backup run by a person is logged as them), and leaves a keyless
// session as cron. An identity given that is not a recipient is refused.
func (v *Vault) identifyIfGiven(tx *bolt.Tx) error {
	if len(v.opts.Identities) == 0 && v.opts.Passphrase == nil {
		return nil
	}
	_, err := v.keys.whoAmI(tx)
	if errors.Is(err, ErrNoIdentity) && len(v.opts.Identities) == 0 {
		return nil
	}
	return err
}

package main

import (
	"fmt"

	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault"
)

// recipientsAddOptions are recipients add's flags.
type recipientsAddOptions struct {
	Role string // owner, support or shipping
	Name string // the label the access log names them by
}

// recipientsAddRun gives recipient a role under a label.
func recipientsAddRun(env *Env, g *Global, o *recipientsAddOptions, recipient string) error {
	if o.Role == "" || o.Name == "" {
		return usageErr("recipients add needs --role (owner, support, shipping) and --name LABEL")
	}
	parsedRole, err := vault.ParseRole(o.Role)
	if err != nil {
		return err
	}
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		r, err := v.AddRecipient(recipient, parsedRole, o.Name)
		if err != nil {
			return err
		}
		if g.JSON {
			for _, fp := range v.OwnerFingerprints() {
				fmt.Fprintf(env.ErrOut, "shopvault: on %s's machine, pin the vault's owner once: shopvault trust add %s\n", r.Label, fp)
			}
			return printJSON(env.Out, r)
		}
		fmt.Fprintf(env.Out, "added %s (%s)\n", r.Label, r.Role)
		for _, fp := range v.OwnerFingerprints() {
			fmt.Fprintf(env.ErrOut, "shopvault: on %s's machine, pin the vault's owner once: shopvault trust add %s\n", r.Label, fp)
		}
		return nil
	})
}

// recipientsListRun lists recipients with their roles (no key).
func recipientsListRun(env *Env, g *Global) error {
	return g.withVault(env, readKeyless, func(v *vault.Vault) error {
		rs, err := v.Recipients()
		if err != nil {
			return err
		}
		if g.JSON {
			return printJSON(env.Out, rs)
		}
		t := newTable(env, "LABEL", "ROLE", "ADDED", "RECIPIENT")
		for _, r := range rs {
			t.add(r.Label, string(r.Role), day(r.Added), r.Recipient)
		}
		return t.flush()
	})
}

// recipientsRemoveRun removes a recipient (by label or recipient) and
// rotates every key it could open.
func recipientsRemoveRun(env *Env, g *Global, who string) error {
	defer g.stopOnInterrupt(env)()
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		r, rot, err := v.RemoveRecipient(who)
		if err != nil {
			return err
		}
		if g.JSON {
			return printJSON(env.Out, map[string]any{"removed": r, "rotated": rot})
		}
		fmt.Fprintf(env.Out, "removed %s (%s); rotated %s keys over %s\n", r.Label, r.Role, joinNames(rot.Groups, ", "), words.Count(rot.Records, "customer"))
		return nil
	})
}

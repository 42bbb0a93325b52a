package main

import (
	"fmt"
	"time"

	"github.com/shopvault/shopvault/vault"
)

// aliasIssueOptions are alias issue's flags.
type aliasIssueOptions struct {
	Courier string
	Expires string // a length from today or a date
	Note    string // metadata: no personal data
}

// aliasIssueRun mints a new alias for the customer of alias.
func aliasIssueRun(env *Env, g *Global, o *aliasIssueOptions, alias string) error {
	var exp *time.Time
	if o.Expires != "" {
		t, err := vault.ParseDateOrSpan(o.Expires, env.Now().UTC())
		if err != nil {
			return usageErr("--expires: %v", err)
		}
		exp = &t
	}
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		a, err := v.IssueAlias(alias, o.Courier, o.Note, exp)
		if err != nil {
			return err
		}
		if g.JSON {
			return printJSON(env.Out, map[string]string{"alias": a})
		}
		fmt.Fprintln(env.Out, a)
		return nil
	})
}

// aliasListRun lists every alias of the customer of alias (no key).
func aliasListRun(env *Env, g *Global, alias string) error {
	return g.withVault(env, readKeyless, func(v *vault.Vault) error {
		as, err := v.ListAliases(alias)
		if err != nil {
			return err
		}
		if g.JSON {
			if as == nil {
				as = []vault.AliasInfo{}
			}
			return printJSON(env.Out, as)
		}
		t := newTable(env, "ALIAS", "PRIMARY", "COURIER", "CREATED", "EXPIRES", "REVOKED", "LIVE")
		for _, a := range as {
			t.add(a.Alias, yesNo(a.Primary), a.Courier, day(a.Created), dayPtr(a.Expires), dayPtr(a.Revoked), yesNo(a.Live))
		}
		return t.flush()
	})
}

// aliasRevokeRun stops an extra alias from resolving.
func aliasRevokeRun(env *Env, g *Global, alias string) error {
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		if err := v.RevokeAlias(alias); err != nil {
			return err
		}
		if g.JSON {
			return printJSON(env.Out, map[string]any{"alias": alias, "revoked": true})
		}
		fmt.Fprintf(env.Out, "revoked %s\n", alias)
		return nil
	})
}

package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/vault"
)

func newAliasCmd(env *Env, g *Global) *cobra.Command {
	c := &cobra.Command{
		Use:   "alias",
		Short: "Issue, list and revoke a customer's extra aliases",
		Long: `Aliases are random pseudonyms (K7QM-4TXR-Z) that stand for a customer on labels
and in courier lists. Every customer has a primary alias; issue more per
courier or per shipment, let them expire, revoke them when done.`,
		Example: `  shopvault alias issue K7QM-4TXR-Z --courier gig --expires 30d --json
  shopvault alias list K7QM-4TXR-Z
  shopvault alias revoke M3JD-8QWE-4`,
	}
	var o aliasIssueOptions
	issue := &cobra.Command{
		Use:   "issue ALIAS",
		Short: "Issue an extra alias for a customer",
		Long: `Mint a new random alias for the customer of ALIAS, optionally tied to a
courier and with an expiry (a length like 30d, or a date; one not in the
future is refused, exit 5: the alias would be expired on the label it is
printed on). Needs the identity
of an owner or support person (not shipping): the access log names who issued it.`,
		Example: `  shopvault alias issue K7QM-4TXR-Z --courier gig --expires 30d --json
  shopvault alias issue K7QM-4TXR-Z --note "order 1042"`,
		Args:              exactArgs(1, "ALIAS"),
		ValidArgsFunction: completeAliases(env, g),
		RunE: func(c *cobra.Command, args []string) error {
			return aliasIssueRun(env, g, &o, args[0])
		},
	}
	issue.Flags().StringVar(&o.Courier, "courier", "", "courier this alias is for")
	issue.Flags().StringVar(&o.Expires, "expires", "", "expiry: a length (30d, 2w, 6m) or a date (YYYY-MM-DD)")
	issue.Flags().StringVar(&o.Note, "note", "", "what the alias is for (metadata; do not put personal data here)")
	list := &cobra.Command{
		Use:               "list ALIAS",
		Short:             "List every alias of a customer",
		Long:              "List the aliases of the customer of ALIAS with courier, created, expires and revoked dates.",
		Example:           "  shopvault alias list K7QM-4TXR-Z\n  shopvault alias list K7QM-4TXR-Z --json",
		Args:              exactArgs(1, "ALIAS"),
		ValidArgsFunction: completeAliases(env, g),
		RunE: func(c *cobra.Command, args []string) error {
			return aliasListRun(env, g, args[0])
		},
	}
	revoke := &cobra.Command{
		Use:     "revoke ALIAS",
		Short:   "Stop an alias from resolving",
		Long:    "Revoke an extra alias: afterwards it no longer resolves (exit 6, \"revoked\"). The primary alias cannot be revoked. Needs an owner's or support person's identity: the change is signed as theirs.",
		Example: "  shopvault alias revoke M3JD-8QWE-4",
		Args:    exactArgs(1, "ALIAS"),
		RunE: func(c *cobra.Command, args []string) error {
			return aliasRevokeRun(env, g, args[0])
		},
	}
	c.AddCommand(issue, list, revoke)
	return c
}

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
		t, err := vault.ParseDateOrSpan(o.Expires, env.Now().UTC().Truncate(time.Second))
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

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

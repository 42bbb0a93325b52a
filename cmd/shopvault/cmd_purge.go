package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault"
)

func newPurgeCmd(env *Env, g *Global) *cobra.Command {
	var o purgeOptions
	c := &cobra.Command{
		Use:   "purge",
		Short: "Apply retention rules (a dry run unless --apply)",
		Long: `Work out what the retention rules take today and print the plan; change
nothing unless --apply. purge needs no identity and no passphrase: it works
from metadata (dates, flags), so cron holds no secret. After an apply that
deleted anything the file is compacted, so deleted ciphertext does not stay
in free pages. Quiet for cron: one summary line unless --verbose; exit 0
whether or not anything was purged.`,
		Example: `  shopvault purge
  shopvault purge --apply
  shopvault purge --upcoming 7d --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return purgeRun(env, g, &o)
		},
	}
	c.Flags().StringVar(&o.Rules, "rules", "", "rules file (default $XDG_CONFIG_HOME/shopvault/retention.toml)")
	c.Flags().BoolVar(&o.Apply, "apply", false, "carry out the plan")
	c.Flags().StringVar(&o.Upcoming, "upcoming", "", "list what the rules will take in the coming span (7d, 2w)")
	c.Flags().BoolVar(&o.Verbose, "verbose", false, "with --apply, also print each action")
	return c
}

// purgeOptions are purge's flags.
type purgeOptions struct {
	Rules    string // rules file ("" is the default path)
	Apply    bool   // carry out the plan, else a dry run
	Upcoming string // a span: list what is coming instead of what is due
	Verbose  bool   // with Apply, print each action too
}

// purgeRun plans, or with --apply carries out, what the retention rules
// take today; keyless, so cron holds no secret.
func purgeRun(env *Env, g *Global, o *purgeOptions) error {
	if o.Apply && o.Upcoming != "" {
		return usageErr("--upcoming lists what is coming; it cannot be combined with --apply")
	}
	var span *vault.Span
	if o.Upcoming != "" {
		sp, err := vault.ParseSpan(o.Upcoming)
		if err != nil {
			return usageErr("--upcoming: %v", err)
		}
		span = &sp
	}
	rs, _, err := loadRules(env, o.Rules, false)
	if err != nil {
		return err
	}
	g.purging = o.Apply
	return g.withVault(env, vaultAccess{readOnly: !o.Apply}, func(v *vault.Vault) error {
		if approved := v.ApprovedRules(); approved != "" && approved != vault.RulesHash(rs) {
			fmt.Fprintln(env.ErrOut, "shopvault: warning: these retention rules are not the ones an owner approved (shopvault rules approve); check reports purges made with them")
		}
		if ok, err := v.RecordsVerifiable(); err != nil {
			return err
		} else if !ok {
			fmt.Fprintln(env.ErrOut, "shopvault: note: this vault's format cannot be verified by purge before it acts: customer metadata changed from outside is found afterwards, by check; run a command that writes or logs (add, show, settings …) once with the owner's identity to upgrade the vault and enable that verification")
		}
		var res vault.PurgeResult
		if o.Apply {
			res, err = v.Purge(rs)
		} else {
			res, err = v.Plan(rs, span)
		}
		if err != nil {
			return err
		}
		if g.JSON {
			return printJSON(env.Out, res)
		}
		if o.Verbose || !o.Apply {
			for _, it := range res.Plan {
				what := string(it.Action)
				if it.Action == vault.ActionDrop {
					what += " " + strings.Join(it.Fields, ",")
				}
				fmt.Fprintf(env.Out, "%s\t%s\t%s\t%s\n", day(it.Due), it.Alias, what, it.Rule)
			}
		}
		switch {
		case o.Apply:
			fmt.Fprintf(env.Out, "purge: %s erased, %s dropped, %d held back\n", words.Count(res.Erased, "customer"), words.Count(res.Dropped, "field"), res.Held)
		case span != nil:
			fmt.Fprintf(env.Out, "purge: %s coming in the next %s (nothing changed)\n", words.Count(len(res.Plan), "action"), o.Upcoming)
		default:
			fmt.Fprintf(env.Out, "purge (dry run): %s planned, %d held back; run with --apply to carry them out\n", words.Count(len(res.Plan), "action"), res.Held)
		}
		return nil
	})
}

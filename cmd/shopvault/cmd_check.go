package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault"
)

func newCheckCmd(env *Env, g *Global) *cobra.Command {
	var o checkOptions
	c := &cobra.Command{
		Use:   "check",
		Short: "Verify the whole vault",
		Long: `Verify the vault: the database structure, every sealed value opening under its
key version, blind indexes matching records, the alias table, shipments and
the audit chain. Exit 7 naming what is wrong. --metadata-only needs no key.

--sensitive reads every field and lists the values the sensitive-data guard
would refuse today (stored before it knew them): alias, field, category and
the edit command that removes each; exit 5 when it finds any.
--drop-sensitive drops all of them at once and logs each drop.`,
		Example: "  shopvault check\n  shopvault check --metadata-only --json\n  shopvault check --sensitive",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return checkRun(env, g, &o)
		},
	}
	c.Flags().BoolVar(&o.MetadataOnly, "metadata-only", false, "check only what needs no key")
	c.Flags().BoolVar(&o.Sensitive, "sensitive", false, "list stored values the sensitive-data guard refuses today (needs a key that reads every field)")
	c.Flags().BoolVar(&o.DropSensitive, "drop-sensitive", false, "with --sensitive: drop those fields (logged, without the value)")
	return c
}

// unfinishedHints words what check found half done, naming the command
// that finishes it.
func unfinishedHints(res vault.CheckResult) []string {
	var out []string
	if res.Rotating {
		out = append(out, "a key rotation is in progress; run shopvault rotate to finish it")
	}
	if res.Unindexed > 0 {
		out = append(out, fmt.Sprintf("an interrupted import left %s without index and alias entries; any command that writes (e.g. shopvault check without --metadata-only) writes them from their metadata", words.Count(res.Unindexed, "customer")))
	}
	return out
}

// checkOptions are check's flags.
type checkOptions struct {
	MetadataOnly  bool // check only what needs no key
	Sensitive     bool // list the values the sensitive-data guard refuses today
	DropSensitive bool // and drop them
}

// checkRun verifies the whole vault (or its metadata), or hands over to
// checkSensitiveRun.
func checkRun(env *Env, g *Global, o *checkOptions) error {
	if o.Sensitive || o.DropSensitive {
		return checkSensitiveRun(env, g, o.DropSensitive)
	}
	err := g.withVault(env, vaultAccess{keys: !o.MetadataOnly, readOnly: true}, func(v *vault.Vault) error {
		res, err := v.Check(o.MetadataOnly)
		res.Hints = append(res.Hints, unfinishedHints(res)...)
		if g.JSON {
			if jerr := printJSON(env.Out, res); jerr != nil && err == nil {
				err = jerr
			}
		} else {
			for _, p := range res.Problems {
				if p.Record != "" {
					fmt.Fprintf(env.Out, "record %s: %s\n", p.Record, p.What)
				} else {
					fmt.Fprintln(env.Out, p.What)
				}
			}
			for _, h := range res.Hints {
				fmt.Fprintf(env.Out, "hint: %s\n", h)
			}
			if err == nil {
				fmt.Fprintf(env.Out, "vault ok: %s, %s opened, %s, %s, %s\n", words.Count(res.Records, "customer"), words.Count(res.SealedOpened, "sealed value"), words.Count(res.IndexEntries, "index entry"), words.Count(res.Aliases, "alias"), words.Count(res.AuditEntries, "audit entry"))
			}
		}
		return err
	})
	if !o.MetadataOnly && lacksKey(err) {
		// Without the owner's key there is still a check to run.
		e := classify(err)
		return &exitError{code: e.code, msg: e.msg, hint: e.hint + "; or run shopvault check --metadata-only, which needs no key (it checks the signatures, the customers' metadata and the access log, not the sealed values)"}
	}
	return err
}

// lacksKey tells whether err says the session holds no key that opens what
// was asked (none given, a wrong one, nobody to type the passphrase).
func lacksKey(err error) bool {
	var nr *vault.NeedRoleError
	return errors.As(err, &nr) || errors.Is(err, vault.ErrNoIdentity) || errors.Is(err, vault.ErrWrongIdentity) || isNoTerminal(err)
}

package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault"
)

func newDedupeCmd(env *Env, g *Global) *cobra.Command {
	var o dedupeOptions
	c := &cobra.Command{
		Use:   "dedupe",
		Short: "Find and merge likely duplicate customers",
		Long: `Find likely duplicates (same email, or same phone and name) and, with
--apply, merge each into the older record: empty fields filled, aliases of
both keep resolving, shipments and consents kept. Without --apply it only
lists them (from metadata, no key needed).`,
		Example: "  shopvault dedupe\n  shopvault dedupe --apply --json",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return dedupeRun(env, g, &o)
		},
	}
	c.Flags().BoolVar(&o.Apply, "apply", false, "merge them")
	return c
}

// dedupeOptions are dedupe's flags.
type dedupeOptions struct {
	Apply bool // merge, else only list
}

// dedupeRun lists likely duplicates (from metadata) or, with --apply,
// merges each into the older record.
func dedupeRun(env *Env, g *Global, o *dedupeOptions) error {
	return g.withVault(env, vaultAccess{keys: o.Apply, readOnly: !o.Apply}, func(v *vault.Vault) error {
		var pairs []vault.DuplicatePair
		var err error
		if o.Apply {
			pairs, err = v.Dedupe()
		} else {
			pairs, err = v.FindDuplicates()
		}
		if err != nil {
			return err
		}
		if g.JSON {
			if pairs == nil {
				pairs = []vault.DuplicatePair{}
			}
			return printJSON(env.Out, pairs)
		}
		t := newTable(env, "KEEP", "MERGE", "WHY")
		for _, p := range pairs {
			t.add(p.Keep, p.Merge, p.Reason)
		}
		if err := t.flush(); err != nil {
			return err
		}
		if o.Apply {
			fmt.Fprintf(env.Out, "merged %s\n", words.Count(len(pairs), "duplicate"))
		} else {
			fmt.Fprintf(env.Out, "%s; run dedupe --apply to merge them\n", words.Count(len(pairs), "likely duplicate"))
		}
		return nil
	})
}

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
lists them (from metadata, no key needed).

A pair that holds different values in a field both have (another name, city,
street, …, compared after the same normalisation as the duplicate rule) is
two people sharing an email or a phone, such as a family added with
add --allow-duplicate: it is never merged, only listed with the fields
that differ, for you to check and forget or edit by hand. Without --apply
only a different name is known (the other fields need the key).`,
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
		t := newTable(env, "KEEP", "MERGE", "WHY", "RESULT")
		mergeable, apart := 0, 0
		for _, p := range pairs {
			t.add(p.Keep, p.Merge, p.Reason, dedupeResult(p, o.Apply))
			if len(p.Differ) > 0 {
				apart++
			} else {
				mergeable++
			}
		}
		if err := t.flush(); err != nil {
			return err
		}
		if o.Apply {
			fmt.Fprintf(env.Out, "merged %s\n", words.Count(mergeable, "duplicate"))
		} else {
			fmt.Fprintf(env.Out, "%s; run dedupe --apply to merge them\n", words.Count(mergeable, "likely duplicate"))
		}
		if apart > 0 {
			share, differ := "share", "differ"
			if apart == 1 {
				share, differ = "shares", "differs"
			}
			fmt.Fprintf(env.Out, "not merged: %s %s an email or phone but %s in the fields named above, so may be two people (a family); check them with shopvault show: if one person, edit one to match (or forget it) and run dedupe --apply again\n",
				words.Count(apart, "pair"), share, differ)
		}
		return nil
	})
}

// dedupeResult says what dedupe did, or will do, with a pair.
func dedupeResult(p vault.DuplicatePair, apply bool) string {
	switch {
	case len(p.Differ) > 0:
		return "not merged: differ in " + words.Join(p.Differ, "and")
	case apply:
		return "merged"
	}
	return "to merge"
}

package main

import (
	"fmt"

	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault"
)

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
	return g.withVault(env, vaultAccess{keys: !o.MetadataOnly, readOnly: true}, func(v *vault.Vault) error {
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
}

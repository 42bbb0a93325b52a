package main

import (
	"fmt"

	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault"
)

// checkSensitiveRun is check --sensitive [--drop-sensitive]: what the guard
// would refuse among stored values, and how to remove each (issue 14).
func checkSensitiveRun(env *Env, g *Global, drop bool) error {
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		res, err := v.CheckSensitive(drop)
		if err != nil {
			return err
		}
		if g.JSON {
			if res.Findings == nil {
				res.Findings = []vault.SensitiveFinding{}
			}
			if err := printJSON(env.Out, res); err != nil {
				return err
			}
		}
		switch {
		case drop && res.Dropped > 0:
			if !g.JSON {
				fmt.Fprintf(env.Out, "dropped %s from %s (recorded in the access log as \"drop sensitive\")\n", words.Count(res.Dropped, "field"), words.Count(len(customersOf(res.Findings)), "customer"))
			}
			return nil
		case len(res.Findings) == 0:
			if !g.JSON {
				fmt.Fprintf(env.Out, "nothing stored that shopvault would refuse today (%s checked)\n", words.Count(res.Records, "customer"))
			}
			return nil
		}
		if !g.JSON {
			t := newTable(env, "ALIAS", "FIELD", "CATEGORY", "TO REMOVE")
			for _, f := range res.Findings {
				t.add(f.Alias, f.Field, f.Category, fmt.Sprintf("shopvault edit %s --%s \"\"", f.Alias, f.Field))
			}
			if err := t.flush(); err != nil {
				return err
			}
		}
		return &exitError{code: exitRefused, msg: words.Count(len(res.Findings), "stored value") + " would be refused today",
			hint: "remove each with the edit command shown, or all at once with shopvault check --sensitive --drop-sensitive"}
	})
}

func customersOf(fs []vault.SensitiveFinding) map[string]bool {
	out := map[string]bool{}
	for _, f := range fs {
		out[f.Alias] = true
	}
	return out
}

package main

import (
	"fmt"

	"github.com/shopvault/shopvault/vault"
)

// editRun changes the given fields of the customer of alias, in one
// transaction; an empty value deletes the field.
func editRun(env *Env, g *Global, fields map[string]string, alias string) error {
	if len(fields) == 0 {
		return usageErr("nothing to change: pass the fields to change, e.g. --phone")
	}
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		cust, err := v.Edit(alias, fields)
		if err != nil {
			return err
		}
		if g.JSON {
			return printJSON(env.Out, customerJSON(cust, nil))
		}
		fmt.Fprintf(env.Out, "updated %s\n", cust.Alias)
		return nil
	})
}

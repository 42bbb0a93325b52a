package main

import (
	"errors"
	"fmt"

	"github.com/shopvault/shopvault/vault"
)

// editOptions are edit's flags besides the fields.
type editOptions struct {
	AllowDuplicate bool
}

// editRun changes the given fields of the customer of alias, in one
// transaction; an empty value deletes the field.
func editRun(env *Env, g *Global, fields map[string]string, alias string, o editOptions) error {
	if len(fields) == 0 {
		return usageErr("nothing to change: pass the fields to change, e.g. --phone")
	}
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		cust, err := v.EditWith(alias, fields, vault.EditOptions{AllowDuplicate: o.AllowDuplicate})
		var dup *vault.DuplicateError
		if errors.As(err, &dup) {
			e := classify(err)
			e.hint = fmt.Sprintf("nothing was changed; if it is the same person, keep that record (shopvault show %s) and forget this one; if it is another person sharing it (a family), edit again with --allow-duplicate", dup.Alias)
			return e
		}
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

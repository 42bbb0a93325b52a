package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/crypto"
	"github.com/shopvault/shopvault/vault"
)

// canonicalAlias parses an alias typed by a person, for filters that do not
// resolve it (audit list --alias).
func canonicalAlias(s string) (string, error) {
	c, err := crypto.ParseAlias(s)
	if err != nil {
		reason := "malformed"
		if errors.Is(err, crypto.ErrAliasCheck) {
			reason = "check"
		}
		return "", &vault.NotFoundError{Alias: s, Reason: reason}
	}
	return c, nil
}

// completeAliases completes ALIAS arguments from the vault's metadata, which
// needs no key; it stays silent when the vault cannot be read.
func completeAliases(env *Env, g *Global) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		v, err := g.openVault(env, false, true)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer v.Close()
		as, err := v.Aliases()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return as, cobra.ShellCompDirectiveNoFileComp
	}
}

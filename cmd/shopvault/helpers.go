package main

import "github.com/spf13/cobra"

// completeAliases completes ALIAS arguments from the vault's metadata, which
// needs no key; it stays silent when the vault cannot be read.
func completeAliases(env *Env, g *Global) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		v, err := g.openVault(env, readKeyless)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer func() { _ = v.Close() }() // read-only; completion has no way to report it
		as, err := v.Aliases()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return as, cobra.ShellCompDirectiveNoFileComp
	}
}

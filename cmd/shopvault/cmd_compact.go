package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/vault"
)

func newCompactCmd(env *Env, g *Global) *cobra.Command {
	return &cobra.Command{
		Use:   "compact",
		Short: "Rewrite the vault file without free pages",
		Long: `Rewrite the vault into a fresh file and atomically replace the old one, so
deleted ciphertext does not linger in free pages. purge --apply, forget and
rotate do this themselves. No key needed.`,
		Example: "  shopvault compact\n  shopvault compact --json",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return compactRun(env, g)
		},
	}
}

// compactRun rewrites the vault without free pages (no key).
func compactRun(env *Env, g *Global) error {
	return g.withVault(env, writeKeyless, func(v *vault.Vault) error {
		res, err := v.CompactReport()
		if err != nil {
			return err
		}
		if g.JSON {
			return printJSON(env.Out, res)
		}
		fmt.Fprintf(env.Out, "compacted: %d -> %d bytes\n", res.Before, res.After)
		return nil
	})
}

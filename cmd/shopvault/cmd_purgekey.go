package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/vault"
)

func newPurgeKeyCmd(env *Env, g *Global) *cobra.Command {
	return &cobra.Command{
		Use:   "purge-key",
		Short: "Issue a new purge key for keyless purge on this machine (owner)",
		Long: `Write a new purge signing key to $XDG_CONFIG_HOME/shopvault/purge-<vault id>.key
and name its public key in a new version of the owner-signed policy.
purge --apply signs every erasure it makes with this key and refuses to run
without it; it opens no customer data. Use it when the key file was lost or
may have been copied: the old key signs nothing from then on. Needs an
owner's identity.`,
		Example: "  shopvault purge-key\n  shopvault purge-key --json",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return purgeKeyRun(env, g)
		},
	}
}

// purgeKeyRun writes a new purge signing key and names it in the policy.
func purgeKeyRun(env *Env, g *Global) error {
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		path, err := v.NewPurgeKey()
		if err != nil {
			return err
		}
		if g.JSON {
			return printJSON(env.Out, map[string]string{"purge_key": path})
		}
		fmt.Fprintf(env.Out, "wrote a new purge key to %s; the previous one signs nothing any more\n", path)
		return nil
	})
}

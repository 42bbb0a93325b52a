package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/vault"
)

func newTrustCmd(env *Env, g *Global) *cobra.Command {
	c := &cobra.Command{
		Use:   "trust",
		Short: "Pin the vault's owner on this machine, or show the owner fingerprints",
		Long: `Every change to who holds which key is signed by an owner, and every write
is signed by the person who made it. A machine checks those signatures
against owners it trusts from outside the vault file: the owner's own
identity, or an owner fingerprint pinned on this machine (kept in
$XDG_STATE_HOME/shopvault/trust/). init pins the owner where it runs.

On a helper's machine, or for cron on a new machine, pin the owner once with
the fingerprint that recipients add printed (it is also on the recovery
sheet). Until then the vault is refused there (exit 3).`,
		Example: "  shopvault trust add 3f2a-9c1d-0b7e-55aa-81c2-7d40-e913-6b0f\n  shopvault trust show",
	}
	add := &cobra.Command{
		Use:   "add FINGERPRINT",
		Short: "Trust an owner of this vault on this machine (no key needed)",
		Long: `Pin an owner fingerprint for this vault on this machine. It is accepted only
if that owner signed the vault's policy; compare it with the one the owner
read out to you, never with one taken from the vault file.

With --after-restore, also accept a vault that an owner restored from a
backup after this machine last saw it (a restore onto a new computer, when
the vault file was lost): such a vault does not continue what this machine
saw, and is refused (exit 7) with the owner's name and the day of the
restore until this is run with that owner's fingerprint. An older copy put
back without a restore is still refused.`,
		Example: "  shopvault trust add 3f2a-9c1d-0b7e-55aa-81c2-7d40-e913-6b0f\n  shopvault trust add --after-restore 3f2a-9c1d-0b7e-55aa-81c2-7d40-e913-6b0f",
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return trustAddRun(env, g, args[0])
		},
	}
	add.Flags().BoolVar(&g.acceptRestore, "after-restore", false, "also accept a vault this owner restored since this machine last saw it")
	show := &cobra.Command{
		Use:     "show",
		Short:   "Print the fingerprints of the vault's owners (to pin on another machine)",
		Long:    "Print the fingerprints of the owners in the vault's signed policy, as verified on this machine.",
		Example: "  shopvault trust show\n  shopvault trust show --json",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return trustShowRun(env, g)
		},
	}
	c.AddCommand(add, show)
	return c
}

// trustAddRun pins an owner fingerprint for this vault on this machine;
// opening the vault checks that that owner signed its policy.
func trustAddRun(env *Env, g *Global, fingerprint string) error {
	g.pinOwner = fingerprint
	return g.withVault(env, readKeyless, func(v *vault.Vault) error {
		fmt.Fprintf(env.Out, "trusted owner %s for this vault on this machine\n", fingerprint)
		return nil
	})
}

// trustShowRun prints the owner fingerprints of the vault's signed policy.
func trustShowRun(env *Env, g *Global) error {
	return g.withVault(env, readKeyless, func(v *vault.Vault) error {
		fps := v.OwnerFingerprints()
		if g.JSON {
			if fps == nil {
				fps = []string{}
			}
			return printJSON(env.Out, map[string][]string{"owners": fps})
		}
		for _, fp := range fps {
			fmt.Fprintln(env.Out, fp)
		}
		return nil
	})
}

package main

import (
	"time"

	"github.com/spf13/cobra"
)

func newRootCmd(env *Env) *cobra.Command {
	g := &Global{}
	root := &cobra.Command{
		Use:   "shopvault",
		Short: "Keep a small shop's customer records encrypted on your own machine",
		Long: `shopvault keeps your customers' names, phones, addresses, emails and notes in
one encrypted file on your own machine. Each person sees only what their role
needs, couriers get pseudonymous aliases instead of names, and retention rules
delete what you no longer need.

` + exitCodeHelp,
		Example: `  shopvault init
  shopvault add --name "Ngozi Okafor" --phone "0803 555 0101" --city Ikoyi --country NG
  shopvault find --phone "+234 803 555 0101"`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(env.Out)
	root.SetErr(env.ErrOut)
	root.SetIn(env.In)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErr("%v", err)
	})
	pf := root.PersistentFlags()
	pf.StringVar(&g.VaultPath, "vault", "", "vault file (env SHOPVAULT_VAULT; default $XDG_DATA_HOME/shopvault/vault.db)")
	pf.StringArrayVar(&g.Identities, "identity", nil, "identity file to unlock with (repeatable; env SHOPVAULT_IDENTITY; default $XDG_CONFIG_HOME/shopvault/identity.txt)")
	pf.BoolVar(&g.JSON, "json", false, "print machine-readable JSON (shapes in docs/json.md)")
	pf.DurationVar(&g.Wait, "wait", 5*time.Second, "how long to wait for another shopvault process to release the vault")
	pf.StringVar(&g.PassphraseFile, "passphrase-file", "", "read the passphrase from this file instead of the terminal (for scripts)")
	pf.StringVar(&g.Reason, "reason", "", "purpose of this access, recorded in the access log")

	root.AddCommand(
		newInitCmd(env, g),
		newAddCmd(env, g),
		newShowCmd(env, g),
		newFindCmd(env, g),
		newListCmd(env, g),
		newEditCmd(env, g),
		newAliasCmd(env, g),
		newShipCmd(env, g),
		newLabelCmd(env, g),
		newManifestCmd(env, g),
		newRecipientsCmd(env, g),
		newTrustCmd(env, g),
		newRotateCmd(env, g),
		newAuditCmd(env, g),
		newCompactCmd(env, g),
		newSettingsCmd(env, g),
		newScanCmd(env, g),
		newVersionCmd(env),
		newDemoCmd(env, g),
		newKeygenCmd(env, g),
	)
	addLifecycleCmds(root, env, g)
	addDataCmds(root, env, g)
	addDocCmds(root, env, g)
	return root
}

func newVersionCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the shopvault version and vault format",
		Long:    "Print the version of this shopvault binary and the vault format version it reads and writes.",
		Example: "  shopvault version",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			_, err := c.OutOrStdout().Write([]byte(versionString() + "\n"))
			return err
		},
	}
}

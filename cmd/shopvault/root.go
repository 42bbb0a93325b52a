package main

import (
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// commandBuilder makes one top-level command; name is its first word.
type commandBuilder struct {
	name  string
	build func(*Env, *Global) *cobra.Command
}

// topLevelCommands are the commands that can be built on their own: none
// of them looks at the others. help, completion and man (which read the
// whole tree) are not among them.
func topLevelCommands() []commandBuilder {
	cmds := []commandBuilder{
		{"init", newInitCmd}, {"add", newAddCmd}, {"show", newShowCmd}, {"find", newFindCmd},
		{"list", newListCmd}, {"edit", newEditCmd}, {"alias", newAliasCmd}, {"ship", newShipCmd},
		{"label", newLabelCmd}, {"manifest", newManifestCmd}, {"recipients", newRecipientsCmd},
		{"trust", newTrustCmd}, {"rotate", newRotateCmd}, {"audit", newAuditCmd},
		{"compact", newCompactCmd}, {"settings", newSettingsCmd}, {"scan", newScanCmd},
		{"version", newVersionCmd},
		{"demo", newDemoCmd}, {"keygen", newKeygenCmd},
	}
	cmds = append(cmds, lifecycleCommands()...)
	return append(cmds, dataCommands()...)
}

// newRootCmd builds every command.
func newRootCmd(env *Env) *cobra.Command { return newRootCmdFor(env, nil) }

// newRootCmdFor builds the root command with only the top-level command
// that args name, when it can be built on its own, and every command
// otherwise (help, completion, man, a misspelt name). Building all of them
// and their flags cost each process about 1 ms of CPU and 50–100 page
// faults, more than the command line needs (issue 16).
func newRootCmdFor(env *Env, args []string) *cobra.Command {
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

	cmds := topLevelCommands()
	if name := commandName(root, args); name != "" {
		for _, c := range cmds {
			if c.name == name {
				root.AddCommand(c.build(env, g))
				// completion is built with the whole tree (addDocCmds)
				root.CompletionOptions.DisableDefaultCmd = true
				return root
			}
		}
	}
	for _, c := range cmds {
		root.AddCommand(c.build(env, g))
	}
	addDocCmds(root, env, g)
	return root
}

// commandName is the first word of args that is neither a flag nor the
// value of one of root's flags: the top-level command the line names, ""
// when there is none.
func commandName(root *cobra.Command, args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return ""
		case len(a) < 2 || a[0] != '-':
			return a
		}
		name, _, inline := strings.Cut(strings.TrimLeft(a, "-"), "=")
		// a global flag given its value in the next word (--vault PATH)
		if f := root.PersistentFlags().Lookup(name); f != nil && !inline && f.NoOptDefVal == "" {
			i++
		}
	}
	return ""
}

func newVersionCmd(env *Env, g *Global) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the shopvault version and vault format",
		Long:    "Print the version of this shopvault binary and the vault format version it reads and writes.",
		Example: "  shopvault version\n  shopvault version --json",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return versionRun(env, g)
		},
	}
}

// versionRun prints the binary's version and the vault format it writes.
func versionRun(env *Env, g *Global) error {
	if g.JSON {
		return printJSON(env.Out, currentVersion())
	}
	_, err := env.Out.Write([]byte(versionString() + "\n"))
	return err
}

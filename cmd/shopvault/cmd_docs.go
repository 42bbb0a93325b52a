package main

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/crypto"
	"github.com/shopvault/shopvault/export"
	"github.com/shopvault/shopvault/vault/atomicfile"
)

func addDocCmds(root *cobra.Command, env *Env, g *Global) {
	var o manOptions
	man := &cobra.Command{
		Use:     "man -o DIR",
		Short:   "Write man pages for every command",
		Long:    "Generate a man page for shopvault and each of its commands into DIR (for /usr/local/share/man/man1).",
		Example: "  shopvault man -o ./man\n  sudo shopvault man -o /usr/local/share/man/man1 && man shopvault",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return manRun(env, g, &o, root)
		},
	}
	man.Flags().StringVarP(&o.Dir, "output", "o", "", "folder to write the pages into")
	root.AddCommand(man)
	root.CompletionOptions.HiddenDefaultCmd = false
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Example = "  source <(shopvault completion bash)\n  shopvault completion zsh > \"${fpath[1]}/_shopvault\"\n  shopvault completion fish > ~/.config/fish/completions/shopvault.fish"
			for _, sub := range c.Commands() {
				sub.Example = "  shopvault completion " + sub.Name()
			}
		}
	}
}

// manOptions are man's flags.
type manOptions struct {
	Dir string // the folder to write the pages into
}

// manRun writes a man page for root and each of its commands into the
// folder.
func manRun(env *Env, g *Global, o *manOptions, root *cobra.Command) error {
	if o.Dir == "" {
		return usageErr("man needs -o DIR")
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return err
	}
	return writeManPages(root, o.Dir)
}

func writeRecoverySheet(env *Env, path, identity, recipient, vaultPath string) error {
	var buf bytes.Buffer
	sheet := export.RecoverySheet{Identity: identity, Recipient: recipient, VaultPath: vaultPath, Created: env.Now()}
	if ids, err := crypto.ParseIdentityFile([]byte(identity), nil, nil); err == nil {
		if key, err := crypto.IdentitySigningKey(ids[0]); err == nil {
			sheet.OwnerFingerprint = crypto.Fingerprint(key.Public().(ed25519.PublicKey))
		}
	}
	if err := export.WriteRecoverySheet(&buf, sheet); err != nil {
		return err
	}
	// A sheet already there may be another vault's only key on paper.
	if err := atomicfile.CreateNew(path, buf.Bytes(), 0o600); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return &exitError{code: exitOther, msg: path + " already exists; a recovery sheet is never overwritten", hint: "pass a new file name"}
		}
		return err
	}
	fmt.Fprintf(env.ErrOut, "shopvault: wrote the recovery sheet %s: print it, store it safely, then delete the file\n", path)
	return nil
}

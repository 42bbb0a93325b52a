package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault"
)

func newBackupCmd(env *Env, g *Global) *cobra.Command {
	var out outputTarget
	c := &cobra.Command{
		Use:   "backup -o FILE.age",
		Short: "Write an encrypted backup of the vault",
		Long: `Write a consistent snapshot of the vault, age-encrypted to every owner
recipient. It is an ordinary age file (age -d opens it with the owner's
identity) holding an ordinary vault file. No key needed, so cron can run it:
without an identity it is logged as cron; with one (--identity, SHOPVAULT_IDENTITY,
the default identity file or --passphrase-file) it is logged as that person,
and an identity that is not a recipient of the vault is refused, except the
default identity file when nobody named it: that one is skipped with a
warning (the old key after rotate --identity-out, or another vault's key)
and the backup runs as cron. It never asks for a passphrase.`,
		Example: `  shopvault backup -o /media/usb/shopvault-$(date +%F).age
  age -d -i ~/.config/shopvault/identity.txt backup.age > copy.db`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return backupRun(env, g, &out)
		},
	}
	addOutputFlags(c, &out, "", "backup file, or - for stdout")
	return c
}

// backupRun writes an encrypted snapshot of the vault to out, as the
// person identified or, without an identity, as cron.
func backupRun(env *Env, g *Global, out *outputTarget) error {
	if out.Path == "" {
		return usageErr("backup needs -o FILE.age")
	}
	if err := out.claim(env); err != nil {
		return err
	}
	identified := len(g.identityFiles(env)) > 0 || g.PassphraseFile != ""
	backup := func(v *vault.Vault) error {
		var buf bytes.Buffer
		res, err := v.Backup(&buf)
		if err != nil {
			return err
		}
		if err := out.write(env, buf.Bytes(), 0o600); err != nil {
			return err
		}
		if g.JSON {
			return printJSON(env.Out, res)
		}
		if !out.stdout() {
			fmt.Fprintf(env.Out, "backed up %s to %s (encrypted to %s)\n", words.Count(res.Customers, "customer"), out.Path, strings.Join(res.Recipients, ", "))
		}
		return nil
	}
	// An identity file only names who ran it: the backup needs no key, so
	// it never asks for a passphrase vault's passphrase (cron has no
	// terminal, and a person without --passphrase-file is logged as cron).
	err := g.withVault(env, vaultAccess{keys: identified, noPrompt: true}, backup)
	// A default identity file nobody named that the vault does not know
	// (replaced by rotate --identity-out, or another vault's key) must not
	// stop cron's nightly backup: it runs keyless, as without the file.
	if src := g.identitySource(env); errors.Is(err, vault.ErrWrongIdentity) && src == "the default identity file" && g.PassphraseFile == "" {
		fmt.Fprintf(env.ErrOut, "shopvault: warning: %s %s is not a recipient of this vault (another vault's key, or replaced by rotate --identity-out?); backing up without it, logged as cron\n", src, strings.Join(g.identityFiles(env), ", "))
		return g.withVault(env, writeKeyless, backup)
	}
	return err
}

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/crypto"
	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault"
	"github.com/shopvault/shopvault/vault/atomicfile"
)

func newRotateCmd(env *Env, g *Global) *cobra.Command {
	var o rotateOptions
	c := &cobra.Command{
		Use:   "rotate",
		Short: "Replace keys and re-seal the data under them",
		Long: `Make new keys for a group (shipping, contact, notes, index, audit or all),
re-seal every affected field under them, recompute blind indexes for index,
re-wrap to the current recipients, destroy the old key versions and compact.
Owner only. It works in batches and records its progress: if it is
interrupted, every record still reads, and the next rotate (or any write by
an owner) finishes the job. Ctrl-C stops it cleanly after the batch in hand,
says how far it got and exits 130.

With --identity-out NEW, the owner's own identity is replaced: a new key is
written to NEW (0600), the old one is removed from the vault, and every key
is rotated, so the old identity file opens nothing in the vault. Backups made
before are encrypted to the old identity: keep the old file to restore them
(restore OLD-BACKUP --identity old.txt --identity NEW). When the old identity
was the default identity file ($XDG_CONFIG_HOME/shopvault/identity.txt,
used because no --identity was given), that file is replaced by the new
identity and the old one is kept beside it as identity-replaced-DATE.txt.`,
		Example: `  shopvault rotate --group all
  shopvault rotate --group contact
  shopvault rotate --identity-out ~/.config/shopvault/identity-2027.txt`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return rotateRun(env, g, &o)
		},
	}
	c.Flags().StringVar(&o.Group, "group", "all", "shipping, contact, notes, index, audit or all")
	c.Flags().StringVar(&o.IdentityOut, "identity-out", "", "replace your own owner identity with a new one written to this file")
	c.Flags().BoolVar(&o.PQ, "pq", false, "with --identity-out: make the new identity post-quantum")
	return c
}

// rotateOptions are rotate's flags.
type rotateOptions struct {
	Group       string // a key group, or all
	IdentityOut string // replace the owner's own identity, written here
	PQ          bool   // with IdentityOut: a post-quantum identity
}

// rotateRun makes new keys for a group (or all) and re-seals the data under
// them; with --identity-out it replaces the owner's own identity instead.
func rotateRun(env *Env, g *Global, o *rotateOptions) error {
	defer g.stopOnInterrupt(env)()
	g.progressLabel = "rotating"
	if o.IdentityOut != "" {
		return rotateIdentityRun(env, g, o.IdentityOut, o.PQ)
	}
	groups := vault.AllGroups
	if o.Group != "all" {
		one, err := vault.ParseGroup(o.Group)
		if err != nil {
			return usageErr("--group must be shipping, contact, notes, index, audit or all")
		}
		groups = []vault.Group{one}
	}
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		res, err := v.Rotate(groups)
		if err != nil {
			return err
		}
		if g.JSON {
			return printJSON(env.Out, res)
		}
		fmt.Fprintf(env.Out, "rotated %s over %s\n", joinNames(res.Groups, ", "), words.Count(res.Records, "customer"))
		return nil
	})
}

func rotateIdentityRun(env *Env, g *Global, out string, pq bool) error {
	identity, recipient, err := crypto.GenerateIdentity(pq)
	if err != nil {
		return err
	}
	oldFiles := g.identityFiles(env)
	// The default identity file is read before it is replaced: its bytes
	// are kept for the backups made before.
	var oldDefault []byte
	if usesDefaultIdentity(env, oldFiles) {
		if oldDefault, err = os.ReadFile(env.defaultIdentityPath()); err != nil {
			return &exitError{code: exitKey, msg: "cannot read identity file " + env.defaultIdentityPath(), hint: "check its permissions"}
		}
	}
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		if err := v.Unlock(); err != nil {
			return err
		}
		if err := writeNewSecretFile(out, identityFile(identity, recipient)); err != nil {
			return err
		}
		newIDs, err := crypto.ParseIdentityFile([]byte(identity), nil, nil)
		if err != nil {
			return err
		}
		res, replaced, err := v.RotateOwnerIdentity(recipient, newIDs[0])
		if err != nil {
			if !replaced {
				_ = os.Remove(out) // best effort: the new key was never given a role, it opens nothing
			}
			return err
		}
		kept := ""
		if oldDefault != nil {
			if kept, err = replaceDefaultIdentity(env, oldDefault, identityFile(identity, recipient)); err != nil {
				return err
			}
		}
		if g.JSON {
			return printJSON(env.Out, map[string]any{"identity": out, "recipient": recipient, "rotated": res, "old_identity_kept": kept})
		}
		fmt.Fprintf(env.Out, "new owner identity %s; the old one no longer opens this vault (keys rotated over %s)\n", out, words.Count(res.Records, "customer"))
		if kept != "" {
			fmt.Fprintf(env.Out, "the default identity file %s now holds the new identity; the old one is kept in %s\n", env.defaultIdentityPath(), kept)
			fmt.Fprintf(env.ErrOut, "shopvault: keep %s: backups made before now are encrypted to it (restore one with --identity %s --identity %s); update your backup copy of the key\n", kept, kept, out)
			return nil
		}
		fmt.Fprintf(env.ErrOut, "shopvault: use %s from now on (--identity or SHOPVAULT_IDENTITY); keep the old file %s: backups made before now are encrypted to it (restore one with --identity %s --identity %s); update your backup copy of the key\n",
			out, strings.Join(oldFiles, ", "), strings.Join(oldFiles, " --identity "), out)
		return nil
	})
}

// usesDefaultIdentity tells whether the default identity file is among the
// identity files in use.
func usesDefaultIdentity(env *Env, files []string) bool {
	def, err := os.Stat(env.defaultIdentityPath())
	if err != nil {
		return false
	}
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && os.SameFile(st, def) {
			return true
		}
	}
	return false
}

// replaceDefaultIdentity keeps the old default identity beside it under a
// new name (never over an existing file), then replaces the default file
// with the new identity atomically, so that the commands run without
// --identity keep working. It returns where the old one is.
func replaceDefaultIdentity(env *Env, oldData, newData []byte) (string, error) {
	def := env.defaultIdentityPath()
	kept := filepath.Join(filepath.Dir(def), "identity-replaced-"+env.Now().UTC().Format("20060102-150405")+".txt")
	if err := writeNewSecretFile(kept, oldData); err != nil {
		return "", err
	}
	if err := atomicfile.WriteFile(def, newData, 0o600); err != nil {
		return "", &exitError{code: exitOther, msg: fmt.Sprintf("the new identity is in place, but the default identity file %s could not be replaced (%v)", def, err),
			hint: "copy the new identity file over it (chmod 600), or pass --identity NEW from now on"}
	}
	return kept, nil
}

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

func newRecipientsCmd(env *Env, g *Global) *cobra.Command {
	c := &cobra.Command{
		Use:   "recipients",
		Short: "Manage who can unlock the vault, and with which role",
		Long: `Recipients are the people and devices the vault's keys are wrapped to, each
with a role: owner (everything), support (contact, notes, shipping) or
shipping (shipping fields only: labels and manifests). A recipient is any age
recipient: age1… (X25519), age1pq1… (post-quantum), an age plugin recipient
such as age1yubikey1… (its plugin must be on PATH), or an SSH public key.`,
		Example: `  shopvault recipients add age1qyqsz… --role shipping --name packing-desk
  shopvault recipients list
  shopvault recipients remove packing-desk`,
	}
	var role, name string
	add := &cobra.Command{
		Use:   "add RECIPIENT --role ROLE --name LABEL",
		Short: "Give a person or device a role",
		Long:  "Wrap the keys of ROLE's groups to RECIPIENT (owner only). The label names them in the access log.",
		Example: `  shopvault recipients add "$(age-keygen -y helper.txt)" --role shipping --name packing-desk
  shopvault recipients add "ssh-ed25519 AAAA… ada@laptop" --role support --name ada`,
		Args: exactArgs(1, "RECIPIENT"),
		RunE: func(c *cobra.Command, args []string) error {
			if role == "" || name == "" {
				return usageErr("recipients add needs --role (owner, support, shipping) and --name LABEL")
			}
			parsedRole, err := vault.ParseRole(role)
			if err != nil {
				return err
			}
			return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
				r, err := v.AddRecipient(args[0], parsedRole, name)
				if err != nil {
					return err
				}
				if g.JSON {
					for _, fp := range v.OwnerFingerprints() {
						fmt.Fprintf(env.ErrOut, "shopvault: on %s's machine, pin the vault's owner once: shopvault trust add %s\n", r.Label, fp)
					}
					return printJSON(env.Out, r)
				}
				fmt.Fprintf(env.Out, "added %s (%s)\n", r.Label, r.Role)
				for _, fp := range v.OwnerFingerprints() {
					fmt.Fprintf(env.ErrOut, "shopvault: on %s's machine, pin the vault's owner once: shopvault trust add %s\n", r.Label, fp)
				}
				return nil
			})
		},
	}
	add.Flags().StringVar(&role, "role", "", "owner, support or shipping")
	add.Flags().StringVar(&name, "name", "", "label for this person or device")
	list := &cobra.Command{
		Use:     "list",
		Short:   "List recipients and their roles",
		Long:    "List every recipient with its label, role and the key groups it opens (no key needed).",
		Example: "  shopvault recipients list\n  shopvault recipients list --json",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return g.withVault(env, readKeyless, func(v *vault.Vault) error {
				rs, err := v.Recipients()
				if err != nil {
					return err
				}
				if g.JSON {
					return printJSON(env.Out, rs)
				}
				t := newTable(env, "LABEL", "ROLE", "ADDED", "RECIPIENT")
				for _, r := range rs {
					t.add(r.Label, string(r.Role), day(r.Added), r.Recipient)
				}
				return t.flush()
			})
		},
	}
	remove := &cobra.Command{
		Use:   "remove LABEL|RECIPIENT",
		Short: "Remove a recipient and rotate every key it could open",
		Long: `Remove a recipient and, in the same command, rotate every key group it could
open and compact the file, so its identity opens nothing in the current vault.
The last owner cannot be removed.`,
		Example: "  shopvault recipients remove packing-desk",
		Args:    exactArgs(1, "LABEL or RECIPIENT"),
		RunE: func(c *cobra.Command, args []string) error {
			defer g.stopOnInterrupt(env)()
			return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
				r, rot, err := v.RemoveRecipient(args[0])
				if err != nil {
					return err
				}
				if g.JSON {
					return printJSON(env.Out, map[string]any{"removed": r, "rotated": rot})
				}
				fmt.Fprintf(env.Out, "removed %s (%s); rotated %s keys over %s\n", r.Label, r.Role, joinNames(rot.Groups, ", "), words.Count(rot.Records, "customer"))
				return nil
			})
		},
	}
	c.AddCommand(add, list, remove)
	return c
}

func newRotateCmd(env *Env, g *Global) *cobra.Command {
	var group, identityOut string
	var pq bool
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
			defer g.stopOnInterrupt(env)()
			g.progressLabel = "rotating"
			if identityOut != "" {
				return rotateIdentityRun(env, g, identityOut, pq)
			}
			groups := vault.AllGroups
			if group != "all" {
				one, err := vault.ParseGroup(group)
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
		},
	}
	c.Flags().StringVar(&group, "group", "all", "shipping, contact, notes, index, audit or all")
	c.Flags().StringVar(&identityOut, "identity-out", "", "replace your own owner identity with a new one written to this file")
	c.Flags().BoolVar(&pq, "pq", false, "with --identity-out: make the new identity post-quantum")
	return c
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

func newAuditCmd(env *Env, g *Global) *cobra.Command {
	c := &cobra.Command{
		Use:   "audit",
		Short: "Read and verify the access log",
		Long: `Every read of personal data, export, label, write, purge, erasure, rotation and
recipient change is logged: time, actor, action, aliases; never personal data.
Entries are hash-chained and the head is authenticated with the owner's audit
key, so editing, dropping or reordering entries is detected by audit verify.`,
		Example: `  shopvault audit list --since 2026-11-01 --actor packing-desk
  shopvault audit verify
  shopvault audit report --since 2026-10-01`,
	}
	var since, actor, alias string
	filter := func() (vault.AuditFilter, error) {
		f := vault.AuditFilter{Actor: actor}
		if since != "" {
			t, err := vault.ParseDate(since)
			if err != nil {
				return f, usageErr("--since: %v", err)
			}
			f.Since = t
		}
		if alias != "" {
			canon, err := vault.CanonicalAlias(alias)
			if err != nil {
				return f, err
			}
			f.Alias = crypto.FormatAlias(canon)
		}
		return f, nil
	}
	list := &cobra.Command{
		Use:     "list",
		Short:   "List access-log entries",
		Long:    "List entries, optionally since a date, by one actor, or about one alias (no key needed).",
		Example: "  shopvault audit list --since 2026-11-01\n  shopvault audit list --alias K7QM-4TXR-Z --json",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			f, err := filter()
			if err != nil {
				return err
			}
			return g.withVault(env, readKeyless, func(v *vault.Vault) error {
				es, err := v.AuditList(f)
				if err != nil {
					return err
				}
				if g.JSON {
					if es == nil {
						es = []vault.AuditEntry{}
					}
					return printJSON(env.Out, es)
				}
				t := newTable(env, "SEQ", "TIME", "ACTOR", "ACTION", "ALIASES", "REASON")
				for _, e := range es {
					t.add(fmt.Sprint(e.Seq), e.Time.Format("2006-01-02 15:04:05"), e.Actor, e.Action, summarizeAliases(e), sanitizeTerminal(e.Reason))
				}
				return t.flush()
			})
		},
	}
	list.Flags().StringVar(&since, "since", "", "entries on or after this date")
	list.Flags().StringVar(&actor, "actor", "", "entries by this recipient label (or cron)")
	list.Flags().StringVar(&alias, "alias", "", "entries about this alias")
	verify := &cobra.Command{
		Use:     "verify",
		Short:   "Check the access log has not been edited",
		Long:    "Recompute the hash chain and check the owner-authenticated head; exit 7 naming the first bad entry. Needs the owner identity.",
		Example: "  shopvault audit verify",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return g.withVault(env, readWithKeys, func(v *vault.Vault) error {
				rep, err := v.AuditVerify()
				if err != nil {
					return err
				}
				if g.JSON {
					return printJSON(env.Out, rep)
				}
				fmt.Fprintf(env.Out, "audit log intact: %s, authenticated through %d, %d pending owner authentication\n", words.Count(rep.Entries, "entry"), rep.Authenticated, rep.Pending)
				return nil
			})
		},
	}
	var rsince string
	report := &cobra.Command{
		Use:   "report --since DATE",
		Short: "Summarise who read or exported which customers' data",
		Long: `What an owner needs after a suspected breach: for each actor, which customers'
data they read, printed or exported since DATE, and when.`,
		Example: "  shopvault audit report --since 2026-10-01\n  shopvault audit report --since 2026-10-01 --json",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if rsince == "" {
				return usageErr("audit report needs --since DATE")
			}
			t0, err := vault.ParseDate(rsince)
			if err != nil {
				return usageErr("--since: %v", err)
			}
			return g.withVault(env, readKeyless, func(v *vault.Vault) error {
				rep, err := v.AuditReport(t0)
				if err != nil {
					return err
				}
				if g.JSON {
					return printJSON(env.Out, rep)
				}
				t := newTable(env, "ACTOR", "ROLE", "READS", "CUSTOMERS", "FIRST", "LAST", "ACTIONS")
				for _, a := range rep.Actors {
					t.add(a.Actor, string(a.Role), fmt.Sprint(a.Reads), fmt.Sprint(len(a.Aliases)), a.First.Format("2006-01-02 15:04"), a.Last.Format("2006-01-02 15:04"), strings.Join(a.Actions, ","))
				}
				return t.flush()
			})
		},
	}
	report.Flags().StringVar(&rsince, "since", "", "start date")
	c.AddCommand(list, verify, report)
	return c
}

func summarizeAliases(e vault.AuditEntry) string {
	if len(e.Aliases) > 3 {
		return fmt.Sprintf("%s … (%d)", strings.Join(e.Aliases[:3], ","), len(e.Aliases))
	}
	return strings.Join(e.Aliases, ",")
}

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
		},
	}
}

package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/vault"
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
	var o recipientsAddOptions
	add := &cobra.Command{
		Use:   "add RECIPIENT --role ROLE --name LABEL",
		Short: "Give a person or device a role",
		Long:  "Wrap the keys of ROLE's groups to RECIPIENT (owner only). The label names them in the access log.",
		Example: `  shopvault recipients add "$(age-keygen -y helper.txt)" --role shipping --name packing-desk
  shopvault recipients add "ssh-ed25519 AAAA… ada@laptop" --role support --name ada`,
		Args: exactArgs(1, "RECIPIENT"),
		RunE: func(c *cobra.Command, args []string) error {
			return recipientsAddRun(env, g, &o, args[0])
		},
	}
	add.Flags().StringVar(&o.Role, "role", "", "owner, support or shipping")
	add.Flags().StringVar(&o.Name, "name", "", "label for this person or device")
	list := &cobra.Command{
		Use:     "list",
		Short:   "List recipients and their roles",
		Long:    "List every recipient with its label, role and the key groups it opens (no key needed).",
		Example: "  shopvault recipients list\n  shopvault recipients list --json",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return recipientsListRun(env, g)
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
			return recipientsRemoveRun(env, g, args[0])
		},
	}
	c.AddCommand(add, list, remove)
	return c
}

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
	var lo auditListOptions
	list := &cobra.Command{
		Use:     "list",
		Short:   "List access-log entries",
		Long:    "List entries, optionally since a date, by one actor, or about one alias (no key needed).",
		Example: "  shopvault audit list --since 2026-11-01\n  shopvault audit list --alias K7QM-4TXR-Z --json",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return auditListRun(env, g, &lo)
		},
	}
	list.Flags().StringVar(&lo.Since, "since", "", "entries on or after this date")
	list.Flags().StringVar(&lo.Actor, "actor", "", "entries by this recipient label (or cron)")
	list.Flags().StringVar(&lo.Alias, "alias", "", "entries about this alias")
	verify := &cobra.Command{
		Use:     "verify",
		Short:   "Check the access log has not been edited",
		Long:    "Recompute the hash chain and check the owner-authenticated head; exit 7 naming the first bad entry. Needs the owner identity.",
		Example: "  shopvault audit verify",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return auditVerifyRun(env, g)
		},
	}
	var ro auditReportOptions
	report := &cobra.Command{
		Use:   "report --since DATE",
		Short: "Summarise who read or exported which customers' data",
		Long: `What an owner needs after a suspected breach: for each actor, which customers'
data they read, printed or exported since DATE, and when.`,
		Example: "  shopvault audit report --since 2026-10-01\n  shopvault audit report --since 2026-10-01 --json",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return auditReportRun(env, g, &ro)
		},
	}
	report.Flags().StringVar(&ro.Since, "since", "", "start date")
	c.AddCommand(list, verify, report)
	return c
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

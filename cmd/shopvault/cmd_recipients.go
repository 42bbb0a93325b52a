package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/internal/words"
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

// recipientsAddOptions are recipients add's flags.
type recipientsAddOptions struct {
	Role string // owner, support or shipping
	Name string // the label the access log names them by
}

// recipientsAddRun gives recipient a role under a label.
func recipientsAddRun(env *Env, g *Global, o *recipientsAddOptions, recipient string) error {
	if o.Role == "" || o.Name == "" {
		return usageErr("recipients add needs --role (owner, support, shipping) and --name LABEL")
	}
	parsedRole, err := vault.ParseRole(o.Role)
	if err != nil {
		return err
	}
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		r, err := v.AddRecipient(recipient, parsedRole, o.Name)
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
}

// recipientsListRun lists recipients with their roles (no key).
func recipientsListRun(env *Env, g *Global) error {
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
}

// recipientsRemoveRun removes a recipient (by label or recipient) and
// rotates every key it could open.
func recipientsRemoveRun(env *Env, g *Global, who string) error {
	defer g.stopOnInterrupt(env)()
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		r, rot, err := v.RemoveRecipient(who)
		if err != nil {
			return err
		}
		if g.JSON {
			return printJSON(env.Out, map[string]any{"removed": r, "rotated": rot})
		}
		fmt.Fprintf(env.Out, "removed %s (%s); rotated %s keys over %s\n", r.Label, r.Role, joinNames(rot.Groups, ", "), words.Count(rot.Records, "customer"))
		return nil
	})
}

package main

import (
	"github.com/spf13/cobra"
)

func lifecycleCommands() []commandBuilder {
	return []commandBuilder{{"rules", newRulesCmd}, {"purge", newPurgeCmd}, {"purge-key", newPurgeKeyCmd}, {"hold", newHoldCmd},
		{"forget", newForgetCmd}, {"consent", newConsentCmd}, {"inventory", newInventoryCmd}, {"notice", newNoticeCmd}}
}

func newHoldCmd(env *Env, g *Global) *cobra.Command {
	var o holdOptions
	c := &cobra.Command{
		Use:   "hold ALIAS --until DATE --reason TEXT",
		Short: "Exempt a customer from retention rules until a date",
		Long: `Put a customer under a hold (a legal hold, an open dispute): purge skips them
until the date, which must be after today. --release lifts it. The reason is
stored as metadata: do not put personal data in it (an email address or a
phone number is refused). Owner only.`,
		Example: `  shopvault hold K7QM-4TXR-Z --until 2027-06-30 --reason "open dispute, order 1042"
  shopvault hold K7QM-4TXR-Z --release`,
		Args:              exactArgs(1, "ALIAS"),
		ValidArgsFunction: completeAliases(env, g),
		RunE: func(c *cobra.Command, args []string) error {
			return holdRun(env, g, &o, args[0])
		},
	}
	c.Flags().StringVar(&o.Until, "until", "", "date (YYYY-MM-DD) or length (90d) the hold lasts")
	c.Flags().StringVar(&o.Reason, "reason", "", "why (metadata; no personal data)")
	c.Flags().BoolVar(&o.Release, "release", false, "lift the hold")
	return c
}

func newForgetCmd(env *Env, g *Global) *cobra.Command {
	var o forgetOptions
	c := &cobra.Command{
		Use:   "forget ALIAS",
		Short: "Erase a customer on their request",
		Long: `Erase a customer now: every field, every alias, their index entries and the
link from their shipments. A tombstone (record id and time, no personal data)
makes sure a restored older backup erases them again. Asks for confirmation on
a terminal; --yes for scripts. --request only marks erasure_requested, for a
retention rule to act on after a grace period.`,
		Example: `  shopvault forget K7QM-4TXR-Z
  shopvault forget K7QM-4TXR-Z --yes --reason "customer asked by email"
  shopvault forget K7QM-4TXR-Z --request`,
		Args:              exactArgs(1, "ALIAS"),
		ValidArgsFunction: completeAliases(env, g),
		RunE: func(c *cobra.Command, args []string) error {
			return forgetRun(env, g, &o, args[0])
		},
	}
	c.Flags().BoolVar(&o.Yes, "yes", false, "do not ask for confirmation")
	c.Flags().BoolVar(&o.Request, "request", false, "only mark erasure_requested (for a grace-period rule)")
	return c
}

func newConsentCmd(env *Env, g *Global) *cobra.Command {
	return &cobra.Command{
		Use:   "consent ALIAS grant|withdraw PURPOSE",
		Short: "Record a customer's consent or its withdrawal",
		Long: `Record that a customer granted or withdrew a consent purpose (marketing,
sms, …), with the time. Withdrawal is a retention-rule trigger. list
--consent PURPOSE lists who opted in.`,
		Example: `  shopvault consent K7QM-4TXR-Z grant marketing
  shopvault consent K7QM-4TXR-Z withdraw sms`,
		Args: exactArgs(3, "ALIAS, grant or withdraw, and a PURPOSE"),
		RunE: func(c *cobra.Command, args []string) error {
			return consentRun(env, g, args[0], args[1], args[2])
		},
	}
}

func newInventoryCmd(env *Env, g *Global) *cobra.Command {
	var o inventoryOptions
	c := &cobra.Command{
		Use:   "inventory",
		Short: "Count what the vault holds (no key needed)",
		Long: `The data audit a shop owner needs: how many customers, which fields are held
and by how many records, the oldest record, how many records each retention
rule would act on today, and when purge last ran. From metadata: no key.`,
		Example: "  shopvault inventory\n  shopvault inventory --json",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return inventoryRun(env, g, &o)
		},
	}
	c.Flags().StringVar(&o.Rules, "rules", "", "rules file (default $XDG_CONFIG_HOME/shopvault/retention.toml)")
	return c
}

func newNoticeCmd(env *Env, g *Global) *cobra.Command {
	var o noticeOptions
	c := &cobra.Command{
		Use:   "notice",
		Short: "Write a plain-language privacy notice (Markdown)",
		Long: `Generate a privacy notice from what the vault actually collects, the roles
that can read it and the retention rules in force, with the shop's name and
contact (init --shop-name/--shop-contact). No key needed.`,
		Example: "  shopvault notice -o privacy.md\n  shopvault notice --rules ./retention.toml",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return noticeRun(env, g, &o)
		},
	}
	c.Flags().StringVar(&o.Rules, "rules", "", "rules file (default $XDG_CONFIG_HOME/shopvault/retention.toml)")
	addOutputFlags(c, &o.Out, "-", "output file, or - for stdout")
	return c
}

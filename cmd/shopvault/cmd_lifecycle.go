package main

import (
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/vault"
)

func lifecycleCommands() []commandBuilder {
	return []commandBuilder{{"rules", newRulesCmd}, {"purge", newPurgeCmd}, {"purge-key", newPurgeKeyCmd}, {"hold", newHoldCmd},
		{"forget", newForgetCmd}, {"consent", newConsentCmd}, {"inventory", newInventoryCmd}, {"notice", newNoticeCmd}}
}

// loadRules reads the rules file (--rules, else the default). missingOK
// lets inventory and notice work without one.
func loadRules(env *Env, path string, missingOK bool) (*vault.Rules, string, error) {
	if path == "" {
		path = env.defaultRulesPath()
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && missingOK {
			return nil, path, nil
		}
		return nil, path, &exitError{code: exitOther, msg: "cannot read rules file " + path, hint: "create one with shopvault rules init, or pass --rules FILE"}
	}
	rs, err := vault.ParseRules(data)
	if err != nil {
		return nil, path, &exitError{code: exitRefused, msg: err.Error(), hint: "fix the rules file; shopvault rules check explains each rule"}
	}
	return rs, path, nil
}

func newRulesCmd(env *Env, g *Global) *cobra.Command {
	var o rulesOptions
	c := &cobra.Command{
		Use:   "rules",
		Short: "Write and check retention rules",
		Long: `Retention rules say how long customer data is kept: erase a record, or drop
some fields, a time after it was created, last active, last shipped to,
withdrew consent or asked for erasure. They live in a TOML file
($XDG_CONFIG_HOME/shopvault/retention.toml, or --rules FILE).`,
		Example: "  shopvault rules init\n  shopvault rules check --rules ./retention.toml",
	}
	c.PersistentFlags().StringVar(&o.Rules, "rules", "", "rules file (default $XDG_CONFIG_HOME/shopvault/retention.toml)")
	initC := &cobra.Command{
		Use:     "init",
		Short:   "Write a commented example rules file",
		Long:    "Write a commented, valid example rules file. It never overwrites an existing file.",
		Example: "  shopvault rules init\n  shopvault rules init --rules ./retention.toml",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return rulesInitRun(env, g, &o)
		},
	}
	check := &cobra.Command{
		Use:     "check",
		Short:   "Validate the rules file and explain each rule",
		Long:    "Validate the rules file (exit 5 with the line number of a problem) and say in plain words what each rule does. A rule acting less than 7 days after a date every customer has is valid but warned about (stderr, exit 0).",
		Example: "  shopvault rules check\n  shopvault rules check --rules ./retention.toml --json",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return rulesCheckRun(env, g, &o)
		},
	}
	approve := &cobra.Command{
		Use:   "approve",
		Short: "Name the rules file in the signed policy as the approved rules (owner)",
		Long: `Record the SHA-256 of the rules file in a new version of the owner-signed
policy. Keyless purge signs the rules it applied into each statement; a
purge under other rules still runs (cron is never blocked), but purge warns,
check reports those runs, and the next owner or support write logs them.`,
		Example: "  shopvault rules approve\n  shopvault rules approve --rules ./retention.toml",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return rulesApproveRun(env, g, &o)
		},
	}
	c.AddCommand(initC, check, approve)
	return c
}

func newPurgeCmd(env *Env, g *Global) *cobra.Command {
	var o purgeOptions
	c := &cobra.Command{
		Use:   "purge",
		Short: "Apply retention rules (a dry run unless --apply)",
		Long: `Work out what the retention rules take today and print the plan; change
nothing unless --apply. purge needs no identity and no passphrase: it works
from metadata (dates, flags), so cron holds no secret. After an apply that
deleted anything the file is compacted, so deleted ciphertext does not stay
in free pages. Quiet for cron: one summary line unless --verbose; exit 0
whether or not anything was purged.`,
		Example: `  shopvault purge
  shopvault purge --apply
  shopvault purge --upcoming 7d --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return purgeRun(env, g, &o)
		},
	}
	c.Flags().StringVar(&o.Rules, "rules", "", "rules file (default $XDG_CONFIG_HOME/shopvault/retention.toml)")
	c.Flags().BoolVar(&o.Apply, "apply", false, "carry out the plan")
	c.Flags().StringVar(&o.Upcoming, "upcoming", "", "list what the rules will take in the coming span (7d, 2w)")
	c.Flags().BoolVar(&o.Verbose, "verbose", false, "with --apply, also print each action")
	return c
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

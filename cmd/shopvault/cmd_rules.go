package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault"
)

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

// rulesOptions are the flags every rules subcommand shares.
type rulesOptions struct {
	Rules string // rules file ("" is the default path)
}

// rulesInitRun writes the commented example rules file, never over one.
func rulesInitRun(env *Env, g *Global, o *rulesOptions) error {
	path := o.Rules
	if path == "" {
		path = env.defaultRulesPath()
	}
	exists := &exitError{code: exitOther, msg: path + " already exists; it is never overwritten", hint: "edit it, or pass another --rules path"}
	if err := createFile(path, []byte(vault.ExampleRules), 0o644, exists); err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "wrote %s\n", path)
	return nil
}

// rulesCheckRun validates the rules file and explains each rule.
func rulesCheckRun(env *Env, g *Global, o *rulesOptions) error {
	rs, path, err := loadRules(env, o.Rules, false)
	if err != nil {
		return err
	}
	for _, r := range rs.Rules {
		if w := r.Warning(); w != "" {
			fmt.Fprintf(env.ErrOut, "shopvault: warning: %s\n", w)
		}
	}
	if g.JSON {
		// Fields shadows the rule's own (left out when empty, as the
		// signed rules statement stores it) so every row has the key.
		type explained struct {
			vault.Rule
			Fields      []string `json:"fields"`
			Explanation string   `json:"explanation"`
		}
		out := []explained{}
		for _, r := range rs.Rules {
			fields := r.Fields
			if fields == nil {
				fields = []string{}
			}
			out = append(out, explained{r, fields, r.Explain()})
		}
		return printJSON(env.Out, out)
	}
	fmt.Fprintf(env.Out, "%s: %s, all valid\n", path, words.Count(len(rs.Rules), "rule"))
	for _, r := range rs.Rules {
		fmt.Fprintf(env.Out, "- %s (line %d): %s\n", r.Name, r.Line, r.Explain())
	}
	return nil
}

// rulesApproveRun records the rules file's hash in the owner-signed policy.
func rulesApproveRun(env *Env, g *Global, o *rulesOptions) error {
	rs, path, err := loadRules(env, o.Rules, false)
	if err != nil {
		return err
	}
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		hash, err := v.ApproveRules(rs)
		if err != nil {
			return err
		}
		if g.JSON {
			return printJSON(env.Out, map[string]string{"rules": path, "sha256": hash})
		}
		fmt.Fprintf(env.Out, "approved %s (sha256 %s)\n", path, hash[:16])
		return nil
	})
}

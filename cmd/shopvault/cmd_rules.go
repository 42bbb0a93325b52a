package main

import (
	"fmt"

	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault"
)

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
		type explained struct {
			vault.Rule
			Explanation string `json:"explanation"`
		}
		out := []explained{}
		for _, r := range rs.Rules {
			out = append(out, explained{r, r.Explain()})
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

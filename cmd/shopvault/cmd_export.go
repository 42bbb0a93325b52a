package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shopvault/shopvault/export"
	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault"
)

// exportSubjectOptions are export subject's flags.
type exportSubjectOptions struct {
	Out  outputTarget
	Ages []string // age recipients to encrypt to
}

// exportSubjectRun writes everything the vault holds about the customer
// of alias, as JSON.
func exportSubjectRun(env *Env, g *Global, o *exportSubjectOptions, alias string) error {
	rcpts, err := ageRecipients(env, o.Ages)
	if err != nil {
		return err
	}
	if err := o.Out.claim(env); err != nil {
		return err
	}
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		sub, err := v.Subject(alias)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(sub); err != nil {
			return err
		}
		data, err := sealOutput(buf.Bytes(), rcpts)
		if err != nil {
			return err
		}
		if len(rcpts) == 0 && !o.Out.stdout() {
			fmt.Fprintln(env.ErrOut, "shopvault: warning: this file holds the customer's data in plaintext; send it encrypted (--age) and delete it afterwards")
		}
		return o.Out.write(env, data, 0o600)
	})
}

// exportCSVOptions are export csv's flags.
type exportCSVOptions struct {
	Out       outputTarget
	Fields    string // comma-separated fields or groups, "" for all
	Consent   string // only customers who granted this purpose
	Ages      []string
	Plaintext bool // write unencrypted, explicitly
}

// exportCSVRun writes customers to CSV, age-encrypted unless --plaintext.
func exportCSVRun(env *Env, g *Global, o *exportCSVOptions) error {
	fields, err := parseFieldList(o.Fields)
	if err != nil {
		return err
	}
	if fields == nil {
		fields = vault.FieldNames
	}
	rcpts, err := ageRecipients(env, o.Ages)
	if err != nil {
		return err
	}
	if len(rcpts) == 0 && !o.Plaintext {
		return usageErr("export csv encrypts to --age RECIPIENT; pass --plaintext to write customer data unencrypted")
	}
	if len(rcpts) > 0 && o.Plaintext {
		return usageErr("--plaintext and --age contradict each other")
	}
	if o.Out.Path == "" {
		return usageErr("export csv needs -o FILE (or -o - for stdout)")
	}
	if err := o.Out.claim(env); err != nil {
		return err
	}
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		var buf bytes.Buffer
		cw, err := export.NewCSVWriter(&buf, append([]string{"alias"}, fields...))
		if err != nil {
			return err
		}
		n, err := v.ExportCustomers(fields, strings.ToLower(o.Consent), func(cu vault.Customer) error {
			row := []string{cu.Alias}
			for _, f := range fields {
				row = append(row, cu.Fields[f])
			}
			return cw.Write(row)
		})
		if err != nil {
			return err
		}
		if err := cw.Flush(); err != nil {
			return err
		}
		data, err := sealOutput(buf.Bytes(), rcpts)
		if err != nil {
			return err
		}
		if err := o.Out.write(env, data, 0o600); err != nil {
			return err
		}
		if !o.Out.stdout() {
			fmt.Fprintf(env.ErrOut, "shopvault: exported %s to %s\n", words.Count(n, "customer"), o.Out.Path)
		}
		return nil
	})
}

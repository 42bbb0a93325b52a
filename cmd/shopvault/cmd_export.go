package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/crypto"
	"github.com/shopvault/shopvault/export"
	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault"
)

func newExportCmd(env *Env, g *Global) *cobra.Command {
	c := &cobra.Command{
		Use:   "export",
		Short: "Export one customer's data (subject access) or a CSV",
		Long: `export subject writes everything the vault holds about one customer, to
answer "what do you hold about me?". export csv writes customers to a CSV,
encrypted with age unless --plaintext is given. Both are recorded.`,
		Example: `  shopvault export subject K7QM-4TXR-Z --age age1… -o answer.json.age
  shopvault export csv --fields name,email --consent marketing --age age1… -o list.csv.age`,
	}
	var so exportSubjectOptions
	subject := &cobra.Command{
		Use:   "subject ALIAS",
		Short: "Everything the vault holds about one customer, as JSON",
		Long: `All fields, aliases, shipments, consents and access-log entries about the
customer, as JSON. With --age RECIPIENT it is encrypted to that recipient
(for example the customer's own age key) so it can be sent safely.
It needs a role that reads every field (owner or support).`,
		Example: `  shopvault export subject K7QM-4TXR-Z -o subject.json
  shopvault export subject K7QM-4TXR-Z --age age1… -o subject.json.age`,
		Args:              exactArgs(1, "ALIAS"),
		ValidArgsFunction: completeAliases(env, g),
		RunE: func(c *cobra.Command, args []string) error {
			return exportSubjectRun(env, g, &so, args[0])
		},
	}
	addOutputFlags(subject, &so.Out, "-", "output file, or - for stdout")
	subject.Flags().StringArrayVar(&so.Ages, "age", nil, "encrypt to this age recipient (repeatable)")
	var co exportCSVOptions
	csvC := &cobra.Command{
		Use:   "csv -o FILE",
		Short: "Export customers to CSV (age-encrypted unless --plaintext)",
		Long: `Write customers to RFC 4180 CSV with formula-looking values neutralised, e.g.
the marketing list. Owner only. The file is age-encrypted to --age
recipients; --plaintext must be given explicitly to write it unencrypted.`,
		Example: `  shopvault export csv --fields name,email --consent marketing --age age1… -o marketing.csv.age
  shopvault export csv --plaintext -o - | less`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return exportCSVRun(env, g, &co)
		},
	}
	addOutputFlags(csvC, &co.Out, "", "output file, or - for stdout")
	csvC.Flags().StringVar(&co.Fields, "fields", "", "fields to export (default all)")
	csvC.Flags().StringVar(&co.Consent, "consent", "", "only customers who granted this purpose")
	csvC.Flags().StringArrayVar(&co.Ages, "age", nil, "encrypt to this age recipient (repeatable)")
	csvC.Flags().BoolVar(&co.Plaintext, "plaintext", false, "write unencrypted customer data (explicitly)")
	c.AddCommand(subject, csvC)
	return c
}

// ageRecipients parses --age values.
func ageRecipients(env *Env, list []string) ([]age.Recipient, error) {
	var out []age.Recipient
	for _, s := range list {
		r, err := crypto.ParseRecipient(s, pluginUI(env))
		if err != nil {
			return nil, usageErr("--age: %v", err)
		}
		out = append(out, r)
	}
	return out, nil
}

// sealOutput encrypts data to recipients as a standard age file when any
// are given.
func sealOutput(data []byte, rcpts []age.Recipient) ([]byte, error) {
	if len(rcpts) == 0 {
		return data, nil
	}
	return crypto.EncryptBytes(data, rcpts...)
}

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

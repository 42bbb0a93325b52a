package main

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/export"
	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault"
)

type manifestOptions struct {
	Courier, Since, Format string
	Out                    outputTarget
	WithAddress            bool
}

func newManifestCmd(env *Env, g *Global) *cobra.Command {
	o := &manifestOptions{}
	c := &cobra.Command{
		Use:   "manifest",
		Short: "List shipments for a courier (aliases and general location)",
		Long: `List recorded shipments for a courier: alias, order ref, date and a general
location only (city, region, postcode area, country). --with-address adds the
name and street lines; never email, phone or notes. CSV output is RFC 4180
and safe to open in a spreadsheet (formula-looking values are neutralised).
--courier matches the name whatever its case (GIG finds gig); when it
matches nothing, a note names the couriers that have shipments in the
range. One line on stderr says how many shipments were written where. -o never
replaces an existing file unless --force is given or you answer yes on the
terminal.`,
		Example: `  shopvault manifest --courier gig --since 2026-11-01 -o gig.csv
  shopvault manifest --courier gig --format json -o -`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return manifestRun(env, g, o)
		},
	}
	c.Flags().StringVar(&o.Courier, "courier", "", "only this courier's shipments")
	c.Flags().StringVar(&o.Since, "since", "", "only shipments on or after this date")
	c.Flags().StringVar(&o.Format, "format", "csv", "csv or json")
	addOutputFlags(c, &o.Out, "-", "output file, or - for stdout")
	c.Flags().BoolVar(&o.WithAddress, "with-address", false, "add name and street lines (never email, phone or notes)")
	return c
}

func manifestRun(env *Env, g *Global, o *manifestOptions) error {
	q := vault.ManifestQuery{Courier: o.Courier, WithAddress: o.WithAddress}
	if o.Since != "" {
		t, err := vault.ParseDate(o.Since)
		if err != nil {
			return usageErr("--since: %v", err)
		}
		q.Since = t
	}
	format := strings.ToLower(o.Format)
	if g.JSON {
		format = "json"
	}
	if format != "csv" && format != "json" {
		return usageErr("--format must be csv or json")
	}
	if o.Out.Path == "" {
		o.Out.Path = "-"
	}
	if err := o.Out.claim(env); err != nil {
		return err
	}
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		ships, err := v.Manifest(q)
		if err != nil {
			return err
		}
		rows := manifestRows(ships)
		var buf bytes.Buffer
		if format == "json" {
			err = export.WriteManifestJSON(&buf, rows, o.WithAddress)
		} else {
			err = export.WriteManifestCSV(&buf, rows, o.WithAddress)
		}
		if err != nil {
			return err
		}
		if err := o.Out.write(env, buf.Bytes(), 0o600); err != nil {
			return err
		}
		fmt.Fprintf(env.ErrOut, "shopvault: manifest of %s written to %s\n", words.Count(len(rows), "shipment"), o.Out.where())
		if len(rows) == 0 && o.Courier != "" {
			return noCourierMatchNote(env, v, o.Courier, q.Since)
		}
		if len(rows) == 0 && o.Since != "" {
			fmt.Fprintln(env.ErrOut, "shopvault: note: no shipment is dated on or after --since")
		}
		return nil
	})
}

// manifestRows turns shipments into the rows a courier gets: an erased
// customer's shipment stays listed, without its alias.
func manifestRows(ships []vault.Shipment) []export.ManifestRow {
	rows := make([]export.ManifestRow, len(ships))
	for i, s := range ships {
		l := s.Location
		rows[i] = export.ManifestRow{Alias: s.Alias, Ref: s.Ref, Date: s.Date, Courier: s.Courier, Erased: s.Erased,
			Name: l["name"], Line1: l["line1"], Line2: l["line2"], City: l["city"], Region: l["region"], Postcode: l["postcode"], Country: l["country"]}
		if s.Erased {
			rows[i].Alias = ""
		}
	}
	return rows
}

// noCourierMatchNote says which couriers do have shipments in the range
// when --courier matched none (a typo, or another name for the courier).
func noCourierMatchNote(env *Env, v *vault.Vault, courier string, since time.Time) error {
	names, err := v.ShipmentCouriers(since)
	if err != nil {
		return err
	}
	inRange := "recorded"
	if !since.IsZero() {
		inRange = "since " + since.Format(time.DateOnly)
	}
	if len(names) == 0 {
		fmt.Fprintf(env.ErrOut, "shopvault: note: no shipments %s for any courier\n", inRange)
		return nil
	}
	fmt.Fprintf(env.ErrOut, "shopvault: note: no shipment for courier %q; shipments %s are for %s\n", sanitizeTerminal(courier), inRange, words.Join(quoteAll(names), "and"))
	return nil
}

func quoteAll(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = fmt.Sprintf("%q", sanitizeTerminal(x))
	}
	return out
}

package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/vault"
)

type shipOptions struct {
	Courier, Date, Ref string
}

func newShipCmd(env *Env, g *Global) *cobra.Command {
	o := &shipOptions{}
	c := &cobra.Command{
		Use:   "ship ALIAS | ship -",
		Short: "Record a shipment (or a batch of them from stdin)",
		Long: `Record that a parcel went to the customer of ALIAS: date, courier, order
reference and the alias on the label (metadata only). --date accepts a past
date for back-entry; it sets the last-shipment date that retention rules use,
without making the customer look recently active. Needs the identity of an
owner, support or shipping person: the access log names who recorded it.

With "-", a batch is read from stdin: one alias per line, optionally followed
by a tab, a comma or spaces and the order reference (the orders.txt that
label - reads). --courier and --date apply to every line; a line's own
reference replaces --ref. Good lines are recorded; each bad line is named by
its number on stderr, and the command exits 8 (partly done), or 6 when no
line named a customer. An empty stdin is "nothing to ship" (exit 0).

An order is recorded once: a line with the same alias, courier and order
reference as a recorded shipment is skipped and named on stderr, so running
a batch again after exit 8 is safe (a line without a reference is always
recorded: nothing tells two such parcels apart).`,
		Example: `  shopvault ship K7QM-4TXR-Z --courier gig --ref ORD-1042
  shopvault ship K7QM-4TXR-Z --courier dhl --date 2026-01-10
  shopvault ship - --courier gig < orders.txt`,
		Args:              exactArgs(1, "ALIAS (or - to read a batch from stdin)"),
		ValidArgsFunction: completeAliases(env, g),
		RunE: func(c *cobra.Command, args []string) error {
			return shipRun(env, g, o, args[0])
		},
	}
	c.Flags().StringVar(&o.Courier, "courier", "", "courier name")
	c.Flags().StringVar(&o.Date, "date", "", "shipment date YYYY-MM-DD (default today)")
	c.Flags().StringVar(&o.Ref, "ref", "", "order reference")
	return c
}

func shipRun(env *Env, g *Global, o *shipOptions, alias string) error {
	var d time.Time
	if o.Date != "" {
		t, err := vault.ParseDate(o.Date)
		if err != nil {
			return usageErr("--date: %v", err)
		}
		d = t
	}
	lines := []orderLine{{Alias: alias, Ref: o.Ref}}
	batch := alias == "-"
	if batch {
		var err error
		if lines, err = readOrderLines(env.In); err != nil {
			return err
		}
		if len(lines) == 0 {
			// A day without parcels is not an error for the cron job
			// that feeds ship - its orders.
			if g.JSON {
				return printJSON(env.Out, []vault.Shipment{})
			}
			fmt.Fprintln(env.ErrOut, "shopvault: nothing to ship (no aliases on stdin)")
			return nil
		}
	}
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		shipped := []vault.Shipment{}
		var bad []*exitError
		skipped := 0
		for _, l := range lines {
			ref := l.Ref
			if ref == "" {
				ref = o.Ref
			}
			s, err := v.Ship(l.Alias, o.Courier, ref, d)
			if err != nil {
				var nf *vault.NotFoundError
				var in *vault.InputError
				if !batch || !errors.As(err, &nf) && !errors.As(err, &in) {
					return err
				}
				bad = append(bad, batchLineError(l, err))
				continue
			}
			shipped = append(shipped, s)
			if s.AlreadyRecorded {
				skipped++
				fmt.Fprintf(env.ErrOut, "shopvault: %s%s already recorded on %s (shipment %s), skipped\n", lineLabel(batch, l), s.Alias, day(s.Date), s.ID)
				continue
			}
			if !g.JSON {
				fmt.Fprintf(env.Out, "shipped %s on %s\n", s.Alias, day(s.Date))
			}
		}
		if g.JSON {
			var err error
			if batch {
				err = printJSON(env.Out, shipped)
			} else {
				err = printJSON(env.Out, shipped[0])
			}
			if err != nil {
				return err
			}
		}
		done := fmt.Sprintf("%d recorded", len(shipped)-skipped)
		if skipped > 0 {
			done += fmt.Sprintf(", %d already recorded before", skipped)
			if len(bad) == 0 && batch {
				fmt.Fprintf(env.ErrOut, "shopvault: %s\n", done)
			}
		}
		return batchResult(env, bad, len(lines), done)
	})
}

// lineLabel names a batch line for a message ("line 3: "); a single
// shipment needs no number.
func lineLabel(batch bool, l orderLine) string {
	if !batch {
		return ""
	}
	return fmt.Sprintf("line %d: ", l.Line)
}

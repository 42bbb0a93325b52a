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
reference replaces --ref. The batch is recorded at once (one write, one
access-log entry). Lines whose alias names no customer are named by number
on stderr and the others are recorded: exit 8 (partly done), or 6 when no
line named a customer. A reference that holds a customer's details (a
phone, an email, a card number) refuses the whole batch: each such line is
named, nothing is recorded, exit 5. An empty stdin is "nothing to ship"
(exit 0).

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
	reqs := make([]vault.ShipRequest, len(lines))
	for i, l := range lines {
		reqs[i] = vault.ShipRequest{Alias: l.Alias, Ref: l.Ref}
		if l.Ref == "" {
			reqs[i].Ref = o.Ref
		}
	}
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		var shipped []vault.Shipment
		var problems []vault.ShipProblem
		if batch {
			var err error
			shipped, problems, err = v.ShipBatch(reqs, o.Courier, d)
			var refused *vault.ShipRefusedError
			if errors.As(err, &refused) {
				return refusedBatch(env, lines, refused)
			}
			if err != nil {
				return err
			}
		} else {
			s, err := v.Ship(reqs[0].Alias, o.Courier, reqs[0].Ref, d)
			if err != nil {
				return err
			}
			shipped = []vault.Shipment{s}
		}
		if shipped == nil {
			shipped = []vault.Shipment{} // --json prints [], not null
		}
		var bad []*exitError
		for _, p := range problems {
			bad = append(bad, batchLineError(lines[p.Index], p.Err))
		}
		skipped := 0
		next := 0 // the next line's shipment; problems have none
		for i, l := range lines {
			if len(problems) > 0 && problems[0].Index == i {
				problems = problems[1:]
				continue
			}
			s := shipped[next]
			next++
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

// refusedBatch names each line whose order reference was refused (by
// number and field, never the value) and ends the command with the first
// one's exit code: nothing was recorded.
func refusedBatch(env *Env, lines []orderLine, refused *vault.ShipRefusedError) error {
	var first *exitError
	for _, p := range refused.Problems {
		e := batchLineError(lines[p.Index], p.Err)
		if first == nil {
			first = e
		}
		fmt.Fprintf(env.ErrOut, "shopvault: %s\n", e.msg)
	}
	return &exitError{code: first.code,
		msg:  fmt.Sprintf("%d of %d lines refused (named above); nothing was recorded", len(refused.Problems), len(lines)),
		hint: "fix those lines (an order reference must not hold the customer's details) and run the whole batch again"}
}

// lineLabel names a batch line for a message ("line 3: "); a single
// shipment needs no number.
func lineLabel(batch bool, l orderLine) string {
	if !batch {
		return ""
	}
	return fmt.Sprintf("line %d: ", l.Line)
}

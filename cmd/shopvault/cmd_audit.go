package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/crypto"
	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault"
)

func newAuditCmd(env *Env, g *Global) *cobra.Command {
	c := &cobra.Command{
		Use:   "audit",
		Short: "Read and verify the access log",
		Long: `Every read of personal data, export, label, write, purge, erasure, rotation and
recipient change is logged: time, actor, action, aliases; never personal data.
Entries are hash-chained and the head is authenticated with the owner's audit
key, so editing, dropping or reordering entries is detected by audit verify.`,
		Example: `  shopvault audit list --since 2026-11-01 --actor packing-desk
  shopvault audit verify
  shopvault audit report --since 2026-10-01`,
	}
	var lo auditListOptions
	list := &cobra.Command{
		Use:     "list",
		Short:   "List access-log entries",
		Long:    "List entries, optionally since a date, by one actor, or about one alias (no key needed).",
		Example: "  shopvault audit list --since 2026-11-01\n  shopvault audit list --alias K7QM-4TXR-Z --json",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return auditListRun(env, g, &lo)
		},
	}
	list.Flags().StringVar(&lo.Since, "since", "", "entries on or after this date")
	list.Flags().StringVar(&lo.Actor, "actor", "", "entries by this recipient label (or cron)")
	list.Flags().StringVar(&lo.Alias, "alias", "", "entries about this alias")
	verify := &cobra.Command{
		Use:     "verify",
		Short:   "Check the access log has not been edited",
		Long:    "Recompute the hash chain and check the owner-authenticated head; exit 7 naming the first bad entry. Needs the owner identity.",
		Example: "  shopvault audit verify",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return auditVerifyRun(env, g)
		},
	}
	var ro auditReportOptions
	report := &cobra.Command{
		Use:   "report --since DATE",
		Short: "Summarise who read or exported which customers' data",
		Long: `What an owner needs after a suspected breach: for each actor, which customers'
data they read, printed or exported since DATE, and when.`,
		Example: "  shopvault audit report --since 2026-10-01\n  shopvault audit report --since 2026-10-01 --json",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return auditReportRun(env, g, &ro)
		},
	}
	report.Flags().StringVar(&ro.Since, "since", "", "start date")
	c.AddCommand(list, verify, report)
	return c
}

// auditListOptions are audit list's flags.
type auditListOptions struct {
	Since string // a date
	Actor string // a recipient label, or cron
	Alias string
}

// filter turns the flags into the vault's filter.
func (o *auditListOptions) filter() (vault.AuditFilter, error) {
	f := vault.AuditFilter{Actor: o.Actor}
	if o.Since != "" {
		t, err := vault.ParseDate(o.Since)
		if err != nil {
			return f, usageErr("--since: %v", err)
		}
		f.Since = t
	}
	if o.Alias != "" {
		canon, err := vault.CanonicalAlias(o.Alias)
		if err != nil {
			return f, err
		}
		f.Alias = crypto.FormatAlias(canon)
	}
	return f, nil
}

// auditListRun lists the access-log entries the flags select (no key).
func auditListRun(env *Env, g *Global, o *auditListOptions) error {
	f, err := o.filter()
	if err != nil {
		return err
	}
	return g.withVault(env, readKeyless, func(v *vault.Vault) error {
		es, err := v.AuditList(f)
		if err != nil {
			return err
		}
		if g.JSON {
			return printJSON(env.Out, auditEntriesJSON(es))
		}
		t := newTable(env, "SEQ", "TIME", "ACTOR", "ACTION", "ALIASES", "REASON")
		for _, e := range es {
			t.add(fmt.Sprint(e.Seq), e.Time.Format("2006-01-02 15:04:05"), e.Actor, e.Action, summarizeAliases(e), sanitizeTerminal(e.Reason))
		}
		return t.flush()
	})
}

func summarizeAliases(e vault.AuditEntry) string {
	if len(e.Aliases) > 3 {
		return fmt.Sprintf("%s … (%d)", strings.Join(e.Aliases[:3], ","), len(e.Aliases))
	}
	return strings.Join(e.Aliases, ",")
}

// auditVerifyRun checks the hash chain and the owner-authenticated head.
func auditVerifyRun(env *Env, g *Global) error {
	return g.withVault(env, readWithKeys, func(v *vault.Vault) error {
		rep, err := v.AuditVerify()
		if err != nil {
			return err
		}
		if g.JSON {
			return printJSON(env.Out, rep)
		}
		fmt.Fprintf(env.Out, "audit log intact: %s, authenticated through %d, %d pending owner authentication\n", words.Count(rep.Entries, "entry"), rep.Authenticated, rep.Pending)
		return nil
	})
}

// auditReportOptions are audit report's flags.
type auditReportOptions struct {
	Since string // a date; required
}

// auditReportRun summarises who read which customers' data since a date.
func auditReportRun(env *Env, g *Global, o *auditReportOptions) error {
	if o.Since == "" {
		return usageErr("audit report needs --since DATE")
	}
	t0, err := vault.ParseDate(o.Since)
	if err != nil {
		return usageErr("--since: %v", err)
	}
	return g.withVault(env, readKeyless, func(v *vault.Vault) error {
		rep, err := v.AuditReport(t0)
		if err != nil {
			return err
		}
		if g.JSON {
			return printJSON(env.Out, rep)
		}
		t := newTable(env, "ACTOR", "ROLE", "READS", "CUSTOMERS", "FIRST", "LAST", "ACTIONS")
		for _, a := range rep.Actors {
			t.add(a.Actor, string(a.Role), fmt.Sprint(a.Reads), fmt.Sprint(len(a.Aliases)), a.First.Format("2006-01-02 15:04"), a.Last.Format("2006-01-02 15:04"), strings.Join(a.Actions, ","))
		}
		return t.flush()
	})
}

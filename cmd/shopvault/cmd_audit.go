package main

import (
	"fmt"
	"strings"

	"github.com/shopvault/shopvault/crypto"
	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault"
)

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
			if es == nil {
				es = []vault.AuditEntry{}
			}
			return printJSON(env.Out, es)
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

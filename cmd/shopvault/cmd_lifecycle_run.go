package main

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopvault/shopvault/export"
	"github.com/shopvault/shopvault/vault"
)

// holdOptions are hold's flags.
type holdOptions struct {
	Until   string // a date or a length from today
	Reason  string // metadata: no personal data
	Release bool
}

// holdRun puts the customer of alias under a hold, or lifts it.
func holdRun(env *Env, g *Global, o *holdOptions, alias string) error {
	var until time.Time
	switch {
	case o.Release:
	case o.Until == "":
		return usageErr("hold needs --until DATE (or --release)")
	default:
		d, err := vault.ParseDateOrSpan(o.Until, env.Now().UTC())
		if err != nil {
			return usageErr("--until: %v", err)
		}
		until = d
	}
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		cust, err := v.SetHold(alias, until, o.Reason)
		if err != nil {
			return err
		}
		if g.JSON {
			return printJSON(env.Out, customerJSON(cust, nil))
		}
		if o.Release {
			fmt.Fprintf(env.Out, "hold lifted for %s\n", cust.Alias)
		} else {
			fmt.Fprintf(env.Out, "%s held until %s\n", cust.Alias, day(until))
		}
		return nil
	})
}

// forgetOptions are forget's flags.
type forgetOptions struct {
	Yes     bool // do not ask on the terminal
	Request bool // only mark erasure_requested
}

// forgetRun erases the customer of alias, once confirmed, or marks the
// request for a retention rule.
func forgetRun(env *Env, g *Global, o *forgetOptions, alias string) error {
	if !o.Yes && !o.Request {
		if !env.StdinIsTTY {
			return usageErr("forget erases for good; pass --yes to confirm when not on a terminal")
		}
		ans, err := readLine(env, fmt.Sprintf("Erase the customer of %s for good? This cannot be undone. Type yes: ", alias))
		if err != nil {
			return err
		}
		if strings.TrimSpace(strings.ToLower(ans)) != "yes" {
			return &exitError{code: exitOther, msg: "not confirmed", hint: "nothing was erased"}
		}
	}
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		var res vault.ForgetResult
		var err error
		if o.Request {
			res, err = v.RequestErasure(alias)
		} else {
			res, err = v.Forget(alias)
		}
		if err != nil {
			return err
		}
		if g.JSON {
			return printJSON(env.Out, res)
		}
		if o.Request {
			fmt.Fprintf(env.Out, "erasure requested for %s; a rule on erasure_requested will erase it\n", alias)
		} else {
			fmt.Fprintf(env.Out, "erased %s\n", alias)
		}
		return nil
	})
}

// inventoryOptions are inventory's flags.
type inventoryOptions struct {
	Rules string // rules file ("" is the default path; none is fine)
}

// inventoryRun counts what the vault holds, from metadata (no key).
func inventoryRun(env *Env, g *Global, o *inventoryOptions) error {
	rs, _, err := loadRules(env, o.Rules, true)
	if err != nil {
		return err
	}
	return g.withVault(env, readKeyless, func(v *vault.Vault) error {
		inv, err := v.Inventory(rs)
		if err != nil {
			return err
		}
		if g.JSON {
			return printJSON(env.Out, inv)
		}
		fmt.Fprintf(env.Out, "customers: %d (oldest %s), on hold: %d, erased so far: %d, shipments: %d\n", inv.Customers, dayPtr(inv.Oldest), inv.OnHold, inv.Erasures, inv.Shipments)
		t := newTable(env, "FIELD", "RECORDS")
		for _, f := range vault.FieldNames {
			t.add(f, fmt.Sprint(inv.FieldsHeld[f]))
		}
		if err := t.flush(); err != nil {
			return err
		}
		// Sorted, so the same vault prints the same lines every time.
		for _, p := range sortedKeys(inv.Consents) {
			fmt.Fprintf(env.Out, "consent %s: %d\n", p, inv.Consents[p])
		}
		for _, r := range sortedKeys(inv.RulesToday) {
			fmt.Fprintf(env.Out, "rule %q would act on %d today\n", r, inv.RulesToday[r])
		}
		if inv.LastPurge != nil {
			fmt.Fprintf(env.Out, "last purge: %s\n", inv.LastPurge.Format("2006-01-02 15:04"))
		} else {
			fmt.Fprintln(env.Out, "last purge: never (see README: nightly purge)")
		}
		return nil
	})
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// noticeOptions are notice's flags.
type noticeOptions struct {
	Rules string // rules file ("" is the default path)
	Out   outputTarget
}

// noticeRun writes the privacy notice from what the vault holds, who can
// read it and the rules in force (no key).
func noticeRun(env *Env, g *Global, o *noticeOptions) error {
	// The notice is a document for people, not data for a script: a
	// script asking for JSON would otherwise get Markdown it cannot parse.
	if g.JSON {
		return usageErr("notice writes a Markdown document and has no --json form; run it without --json (and -o FILE to save it)")
	}
	rs, _, err := loadRules(env, o.Rules, true)
	if err != nil {
		return err
	}
	if err := o.Out.claim(env); err != nil {
		return err
	}
	return g.withVault(env, readKeyless, func(v *vault.Vault) error {
		inv, err := v.Inventory(nil)
		if err != nil {
			return err
		}
		st, err := v.Settings()
		if err != nil {
			return err
		}
		in := export.NoticeInput{ShopName: st.ShopName, ShopContact: st.ShopContact, FieldsHeld: inv.FieldsHeld, Roles: countsByName(inv.Recipients), Generated: env.Now()}
		in.Consents = sortedKeys(inv.Consents)
		if rs != nil {
			for _, r := range rs.Rules {
				in.Rules = append(in.Rules, export.NoticeRule{Name: r.Name, When: string(r.When), Years: r.Span.Years, Months: r.Span.Months, Days: r.Span.Days, Action: string(r.Action), Fields: r.Fields})
			}
		}
		var buf bytes.Buffer
		if err := export.WriteNotice(&buf, in); err != nil {
			return err
		}
		return o.Out.write(env, buf.Bytes(), 0o644)
	})
}

// consentRun records that the customer of alias granted or withdrew
// consent to purpose; action is "grant" or "withdraw".
func consentRun(env *Env, g *Global, alias, action, purpose string) error {
	var grant bool
	switch action {
	case "grant":
		grant = true
	case "withdraw":
	default:
		return usageErr("the second argument must be grant or withdraw")
	}
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		cust, err := v.SetConsent(alias, strings.ToLower(purpose), grant)
		if err != nil {
			return err
		}
		if g.JSON {
			return printJSON(env.Out, customerJSON(cust, nil))
		}
		fmt.Fprintf(env.Out, "%s: %s %s\n", cust.Alias, purpose, map[bool]string{true: "granted", false: "withdrawn"}[grant])
		return nil
	})
}

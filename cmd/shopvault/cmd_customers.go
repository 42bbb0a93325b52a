package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault"
)

// fieldFlags binds one string flag per customer field.
type fieldFlags map[string]*string

var fieldHelp = map[string]string{
	"name": "full name", "email": "email address", "phone": "phone, any format (stored as +E.164)",
	"line1": "street address", "line2": "flat, floor, building", "city": "city or town", "region": "state, county, region",
	"postcode": "postal code", "country": "country: ISO code or name (NG, Nigeria, Deutschland…)", "note": "delivery note",
}

func addFieldFlags(c *cobra.Command) fieldFlags {
	ff := fieldFlags{}
	for _, f := range vault.FieldNames {
		ff[f] = c.Flags().String(f, "", fieldHelp[f])
	}
	return ff
}

// set returns the fields whose flags were given (an empty value included).
func (ff fieldFlags) set(c *cobra.Command) map[string]string {
	out := map[string]string{}
	for _, f := range vault.FieldNames {
		if c.Flags().Changed(f) {
			out[f] = *ff[f]
		}
	}
	return out
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		out = append(out, strings.ToLower(strings.TrimSpace(p)))
	}
	return out
}

type addOptions struct {
	Fields         fieldFlags
	Stdin          bool
	Consent        string
	Created        string
	AllowDuplicate bool
}

func newAddCmd(env *Env, g *Global) *cobra.Command {
	o := &addOptions{}
	c := &cobra.Command{
		Use:   "add",
		Short: "Add a customer",
		Long: `Add a customer from flags, or many from JSON lines on stdin (--stdin).

Every value is checked before anything is stored: phones become international
(+E.164) using the country as the default region; payment card numbers and
national IDs are refused in any field (exit 5). A customer with the same
email as one already kept, or the same phone and name, is refused too
(exit 5, naming that customer's alias): pass --allow-duplicate when it is
another person sharing them (a family). Each customer gets a random alias
such as K7QM-4TXR-Z, printed on success. On a terminal with no field flags,
add asks for each field in turn.`,
		Example: `  shopvault add --name "Adébáyọ̀ Ọládípọ̀" --phone "0803 123 4567" --line1 "14 Herbert Macaulay Way" --city Yaba --country NG
  shopvault add --name "Pat Parcel" --email pat@example.co.uk --consent marketing --created 2024-05-01 --json
  echo '{"name":"Fay Fresh","phone":"+49 30 12345678","country":"DE"}' | shopvault add --stdin --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return addModeRun(env, g, o, o.Fields.set(c))
		},
	}
	o.Fields = addFieldFlags(c)
	c.Flags().BoolVar(&o.Stdin, "stdin", false, "read one JSON object per line from stdin (keys: the field names, created, consent)")
	c.Flags().StringVar(&o.Consent, "consent", "", "consent purposes granted, comma-separated: marketing, sms, whatsapp, calls, post")
	c.Flags().StringVar(&o.Created, "created", "", "back-date an existing customer (YYYY-MM-DD): sets created and last activity")
	c.Flags().BoolVar(&o.AllowDuplicate, "allow-duplicate", false, "add even when a customer with the same email, or the same phone and name, is kept (a family sharing them)")
	return c
}

func (o *addOptions) newCustomer(fields map[string]string) (vault.NewCustomer, error) {
	nc := vault.NewCustomer{Fields: fields, Consent: splitList(o.Consent), AllowDuplicate: o.AllowDuplicate}
	if o.Created != "" {
		t, err := vault.ParseDate(o.Created)
		if err != nil {
			return nc, usageErr("--created: %v", err)
		}
		nc.Created = t
	}
	return nc, nil
}

func addRun(env *Env, g *Global, o *addOptions, fields map[string]string) error {
	nc, err := o.newCustomer(fields)
	if err != nil {
		return err
	}
	// Checked before the vault is opened (no key prompt for a typo); a
	// national phone waits for the vault's default country.
	if _, err := vault.PrepareCustomer(nc); err != nil && !errors.Is(err, vault.ErrNoCountry) {
		return err
	}
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		alias, err := v.Add(nc)
		if err != nil {
			return err
		}
		if g.JSON {
			return printJSON(env.Out, map[string]string{"alias": alias})
		}
		fmt.Fprintln(env.Out, alias)
		return nil
	})
}

// stdinLine is one JSON line of add --stdin.
type stdinLine struct {
	Fields  map[string]string
	Created string
	Consent []string
}

func parseStdinLine(data []byte) (stdinLine, error) {
	var raw map[string]any
	var out stdinLine
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return out, &vault.InputError{Reason: "the line is not a JSON object (one {\"name\": …} object per line)"}
	}
	out.Fields = map[string]string{}
	for k, val := range raw {
		switch k {
		case "created":
			s, ok := val.(string)
			if !ok {
				return out, &vault.InputError{Field: k, Reason: "must be a date string YYYY-MM-DD"}
			}
			out.Created = s
		case "consent":
			switch c := val.(type) {
			case string:
				granted, err := vault.ParseConsentValue("consent", c)
				if err != nil {
					return out, err
				}
				out.Consent = granted
			case []any:
				for _, x := range c {
					s, ok := x.(string)
					if !ok {
						return out, &vault.InputError{Field: k, Reason: "must be a list of purpose names"}
					}
					out.Consent = append(out.Consent, strings.ToLower(strings.TrimSpace(s)))
				}
			case nil:
			default:
				return out, &vault.InputError{Field: k, Reason: "must be a list of purpose names"}
			}
		default:
			if !vault.IsField(k) {
				return out, &vault.InputError{Field: k, Reason: "unknown field"}
			}
			switch s := val.(type) {
			case string:
				out.Fields[k] = s
			case nil:
			case json.Number:
				out.Fields[k] = s.String()
			default:
				return out, &vault.InputError{Field: k, Reason: "must be a string"}
			}
		}
	}
	return out, nil
}

// addStdinRun validates every line first and then adds them all in one
// transaction: a bad line refuses the whole input and nothing is written.
func addStdinRun(env *Env, g *Global, o *addOptions) error {
	var batch []vault.NewCustomer
	var lines []int // each customer's line number
	sc := bufio.NewScanner(env.In)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		sl, err := parseStdinLine([]byte(line))
		if err != nil {
			return lineErr(n, err)
		}
		nc := vault.NewCustomer{Fields: sl.Fields, Consent: sl.Consent, AllowDuplicate: o.AllowDuplicate}
		if sl.Created != "" {
			t, err := vault.ParseDate(sl.Created)
			if err != nil {
				return lineErr(n, &vault.InputError{Field: "created", Reason: "is not a date (YYYY-MM-DD)"})
			}
			nc.Created = t
		}
		if _, err := vault.PrepareCustomer(nc); err != nil && !errors.Is(err, vault.ErrNoCountry) {
			return lineErr(n, err)
		}
		batch = append(batch, nc)
		lines = append(lines, n)
	}
	if err := sc.Err(); err != nil {
		return &exitError{code: exitRefused, msg: fmt.Sprintf("reading stdin at line %d: %v", n+1, err), hint: "one JSON object per line, at most 1 MiB each; nothing was written"}
	}
	if len(batch) == 0 {
		// An empty feed (a script with nothing new today) is not an error.
		fmt.Fprintln(env.ErrOut, "shopvault: no customers on stdin; nothing was added")
		if g.JSON {
			return printJSON(env.Out, []map[string]string{})
		}
		return nil
	}
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		aliases, err := v.AddAll(batch)
		var dup *vault.DuplicateError
		if errors.As(err, &dup) {
			e := classify(err)
			return &exitError{code: e.code, msg: fmt.Sprintf("line %d: %s", lines[dup.Entry], e.msg), hint: e.hint}
		}
		if err != nil {
			return err
		}
		if g.JSON {
			out := make([]map[string]string, len(aliases))
			for i, a := range aliases {
				out[i] = map[string]string{"alias": a}
			}
			return printJSON(env.Out, out)
		}
		for _, a := range aliases {
			fmt.Fprintln(env.Out, a)
		}
		return nil
	})
}

func lineErr(n int, err error) error {
	e := classify(err)
	return &exitError{code: e.code, msg: fmt.Sprintf("line %d: %s", n, e.msg), hint: "nothing was written; fix that line and run again"}
}

type showOptions struct{ Fields string }

// customerJSON is the stable shape of show --json.
func customerJSON(c vault.Customer, fields []string) map[string]any {
	out := map[string]any{
		"alias": c.Alias, "created": c.Created, "updated": c.Updated, "last_activity": c.LastActivity,
		"fields_held": c.Held, "consent": c.Consent,
	}
	if c.LastShipment != nil {
		out["last_shipment"] = c.LastShipment
	}
	if c.ConsentWithdrawn != nil {
		out["consent_withdrawn"] = c.ConsentWithdrawn
	}
	if c.ErasureRequested != nil {
		out["erasure_requested"] = c.ErasureRequested
	}
	if c.Hold != nil {
		out["hold"] = c.Hold
	}
	for _, f := range fields {
		out[f] = c.Fields[f]
	}
	return out
}

func parseFieldList(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	var out []string
	for _, f := range splitList(s) {
		if slices.Contains(vault.SealedGroups, vault.Group(f)) {
			for _, name := range vault.FieldNames {
				if vault.FieldGroup[name] == vault.Group(f) {
					out = append(out, name)
				}
			}
			continue
		}
		if !vault.IsField(f) {
			return nil, usageErr("--fields: %q is not a field (fields: %s; or a group: shipping, contact, notes)", f, strings.Join(vault.FieldNames, ", "))
		}
		out = append(out, f)
	}
	return out, nil
}

func newShowCmd(env *Env, g *Global) *cobra.Command {
	o := &showOptions{}
	c := &cobra.Command{
		Use:   "show ALIAS",
		Short: "Show one customer",
		Long: `Show a customer by any live alias. This reads personal data: it needs an
identity whose role opens every field shown, and it is recorded in the access
log (with --reason if given). A shipping identity can show the shipping
fields with --fields shipping.`,
		Example: `  shopvault show K7QM-4TXR-Z
  shopvault show k7qm4txrz --json
  shopvault show K7QM-4TXR-Z --fields shipping --reason "courier asked for the address"`,
		Args:              exactArgs(1, "ALIAS"),
		ValidArgsFunction: completeAliases(env, g),
		RunE: func(c *cobra.Command, args []string) error {
			return showRun(env, g, o, args[0])
		},
	}
	c.Flags().StringVar(&o.Fields, "fields", "", "only these fields or groups (e.g. name,city or shipping)")
	return c
}

// showRun shows the customer of alias (recorded in the access log).
func showRun(env *Env, g *Global, o *showOptions, alias string) error {
	fields, err := parseFieldList(o.Fields)
	if err != nil {
		return err
	}
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		cust, err := v.Show(alias, fields)
		if err != nil {
			return err
		}
		if fields == nil {
			fields = vault.FieldNames
		}
		if g.JSON {
			return printJSON(env.Out, customerJSON(cust, fields))
		}
		t := newTable(env, "FIELD", "VALUE")
		t.add("alias", cust.Alias)
		for _, f := range fields {
			if val, ok := cust.Fields[f]; ok {
				t.add(f, sanitizeTerminal(val))
			}
		}
		t.add("created", day(cust.Created))
		t.add("last activity", day(cust.LastActivity))
		if cust.LastShipment != nil {
			t.add("last shipment", dayPtr(cust.LastShipment))
		}
		for name, cs := range cust.Consent {
			state := "withdrawn"
			if cs.Granted {
				state = "granted"
			}
			t.add("consent "+name, state+" "+day(cs.At))
		}
		return t.flush()
	})
}

func exactArgs(n int, names string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErr("%s needs %s (got %s)", c.CommandPath(), names, words.Count(len(args), "argument"))
		}
		return nil
	}
}

type findOptions struct{ Email, Phone, Name, Country string }

func newFindCmd(env *Env, g *Global) *cobra.Command {
	o := &findOptions{}
	c := &cobra.Command{
		Use:   "find",
		Short: "Find customers by email, phone or full name",
		Long: `Find customers by exact email, phone or name after normalisation (case,
spacing, accents, phone format), through blind indexes: no other record is
decrypted. Prints the matching aliases; no match is exit 6.

A name matches only in full, as it was saved: "Sarah Okafor" finds Sarah
Okafor, but "Sarah" or "Okafor" alone finds nothing. (An index of single
first and last names would let anyone holding the file count how many
customers share a first name; shopvault does not keep one.) To look for
part of a name, read the names: shopvault list --fields name | grep -i
sarah — that reads every name and is recorded in the access log.`,
		Example: `  shopvault find --email A@Example.NG
  shopvault find --phone "0803 123 4567" --country NG --json
  shopvault find --name "adebayo oladipo"`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return findRun(env, g, o)
		},
	}
	c.Flags().StringVar(&o.Email, "email", "", "exact email (any case)")
	c.Flags().StringVar(&o.Phone, "phone", "", "phone in any format")
	c.Flags().StringVar(&o.Name, "name", "", "the full name, as saved (case and accents ignored; a first or last name alone does not match)")
	c.Flags().StringVar(&o.Country, "country", "", "country for a phone written without +CC (default: settings --country)")
	return c
}

func findRun(env *Env, g *Global, o *findOptions) error {
	if o.Email == "" && o.Phone == "" && o.Name == "" {
		return usageErr("give --email, --phone or --name")
	}
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		found, err := v.Find(vault.FindQuery{Email: o.Email, Phone: o.Phone, Name: o.Name, Country: o.Country})
		if err != nil {
			var nf *vault.NotFoundError
			noMatch := errors.As(err, &nf) && nf.Reason == vault.NotFoundNoMatch
			// A script parses stdout before it looks at the exit code:
			// no match is still a JSON array, and still exit 6.
			if noMatch && g.JSON {
				if perr := printJSON(env.Out, []any{}); perr != nil {
					return perr
				}
			}
			if o.Name != "" && noMatch {
				return &exitError{code: exitNotFound, msg: "no customer matches",
					hint: "a name matches only in full, as saved (first and last name; case and accents do not matter); try --email or --phone, or search the names with: shopvault list --fields name | grep -i WORD (recorded)"}
			}
			return err
		}
		if g.JSON {
			out := make([]map[string]any, len(found))
			for i, c := range found {
				out[i] = customerJSON(c, nil)
			}
			return printJSON(env.Out, out)
		}
		t := newTable(env, "ALIAS", "CREATED", "LAST ACTIVITY")
		for _, c := range found {
			t.add(c.Alias, day(c.Created), day(c.LastActivity))
		}
		return t.flush()
	})
}

type listOptions struct{ Consent, Fields string }

func newListCmd(env *Env, g *Global) *cobra.Command {
	o := &listOptions{}
	c := &cobra.Command{
		Use:   "list",
		Short: "List customers (aliases and metadata)",
		Long: `List every customer's alias and metadata: dates, consents, which fields are
held. No personal data and no key are needed unless --fields asks for some.`,
		Example: `  shopvault list
  shopvault list --consent marketing --json
  shopvault list --fields name,city`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return listRun(env, g, o)
		},
	}
	c.Flags().StringVar(&o.Consent, "consent", "", "only customers who granted this purpose (e.g. marketing)")
	c.Flags().StringVar(&o.Fields, "fields", "", "also show these fields (needs a key; recorded)")
	return c
}

// listRun lists every customer's alias and metadata, and the fields asked
// for (which needs a key and is recorded).
func listRun(env *Env, g *Global, o *listOptions) error {
	fields, err := parseFieldList(o.Fields)
	if err != nil {
		return err
	}
	// An identity named for list verifies the vault as that person: an
	// owner's pins them on this machine, as any owner command does.
	keys := len(fields) > 0 || g.identityNamed(env)
	return g.withVault(env, vaultAccess{keys: keys, readOnly: len(fields) == 0}, func(v *vault.Vault) error {
		cs, err := v.List(vault.ListFilter{Consent: strings.ToLower(o.Consent), Fields: fields})
		if err != nil {
			return err
		}
		if g.JSON {
			out := make([]map[string]any, len(cs))
			for i, c := range cs {
				out[i] = customerJSON(c, fields)
			}
			return printJSON(env.Out, out)
		}
		header := append([]string{"ALIAS", "CREATED", "LAST ACTIVITY", "LAST SHIPMENT", "FIELDS"}, upper(fields)...)
		t := newTable(env, header...)
		for _, c := range cs {
			row := []string{c.Alias, day(c.Created), day(c.LastActivity), dayPtr(c.LastShipment), strings.Join(c.Held, ",")}
			for _, f := range fields {
				row = append(row, sanitizeTerminal(c.Fields[f]))
			}
			t.add(row...)
		}
		return t.flush()
	})
}

func upper(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = strings.ToUpper(x)
	}
	return out
}

func newEditCmd(env *Env, g *Global) *cobra.Command {
	var ff fieldFlags
	var o editOptions
	c := &cobra.Command{
		Use:   "edit ALIAS",
		Short: "Change a customer's fields",
		Long: `Change fields of a customer; an empty value (--note "") deletes that field.
The new values are checked like add's, and the change is one transaction.
Like add, edit refuses a new email, or a new phone and name, that another
customer already has (exit 5, naming that customer's alias): pass
--allow-duplicate when it is another person sharing them (a family).`,
		Example: `  shopvault edit K7QM-4TXR-Z --phone "+234 803 123 9999"
  shopvault edit K7QM-4TXR-Z --line2 "" --note "leave at the shop next door"`,
		Args:              exactArgs(1, "ALIAS"),
		ValidArgsFunction: completeAliases(env, g),
		RunE: func(c *cobra.Command, args []string) error {
			return editRun(env, g, ff.set(c), args[0], o)
		},
	}
	ff = addFieldFlags(c)
	c.Flags().BoolVar(&o.AllowDuplicate, "allow-duplicate", false, "change even when another customer has the same email, or the same phone and name (a family sharing them)")
	return c
}

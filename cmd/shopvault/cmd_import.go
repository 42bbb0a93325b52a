package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/export"
	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault"
)

func newImportCmd(env *Env, g *Global) *cobra.Command {
	o := importOptions{Report: outputTarget{flag: "--report"}}
	c := &cobra.Command{
		Use:   "import FILE|-",
		Short: "Import customers from contacts (vCard, Google, Outlook), Excel or shop exports",
		Long: `Import customers from the files shops have, recognised from their content:
a phone's or a mail program's contacts (.vcf, vCard 2.1/3.0/4.0), a Google
Contacts or Outlook CSV, a Shopify customers or orders export, a WooCommerce
customers or orders export, or a CSV with shopvault's own columns
(name,email,phone,line1,line2,city,region,postcode,country,note,consent,created).
CSV may be comma, semicolon or tab separated, in UTF-8, UTF-16 (Excel's
"Unicode Text") or Windows-1252. Order exports give one customer per buyer
(the shipping address preferred). A header it does not recognise is refused,
with the mapping it would use: pass that as --map col=field,… to confirm.
--dry-run shows the mapping and the first rows as they would be stored.
How to export from each program: docs/import.md.

Every row is checked like add; a bad row is skipped and reported (--report
FILE writes row, field, reason — never the refused value; an existing FILE
is replaced only with --force). Duplicates (same
email, or same phone and name) are skipped, or with --merge fill the empty
fields of the existing customer. Rows go in batches of transactions: an
interrupted import keeps what was committed, and running it again skips those
rows. Phones without +CC and addresses without a country use the default
country (settings --country). Exit 0 when every row went in, 8 when some
rows were refused and the others written, 5 when the file was refused and
nothing was written.`,
		Example: `  shopvault import customers.csv --report refused.csv
  shopvault import shopify-orders.csv --dry-run
  shopvault import contacts.vcf
  shopvault import old.csv --map "Full Name=name,Mobile=phone,Town=city,Land=country"`,
		Args: exactArgs(1, "FILE or -"),
		RunE: func(c *cobra.Command, args []string) error {
			return importRun(env, g, &o, args[0])
		},
	}
	c.Flags().StringVar(&o.Format, "format", "", joinNames(vault.ImportFormats, ", ")+" (default: recognised from the content)")
	c.Flags().StringVar(&o.Map, "map", "", "column mapping for other CSVs: col=field,…")
	c.Flags().StringVar(&o.Report.Path, "report", "", "write refused and skipped rows as CSV (row, field, reason)")
	c.Flags().BoolVar(&o.Report.Force, "force", false, "replace the --report file if it exists")
	c.Flags().BoolVar(&o.DryRun, "dry-run", false, "show the column mapping and the first rows as they would be stored; check every row; write nothing")
	c.Flags().BoolVar(&o.Merge, "merge", false, "fill empty fields of an existing customer instead of skipping duplicates")
	return c
}

// previewRows is how many rows import --dry-run shows as they would be stored.
const previewRows = 5

// unknownFormatError explains a header import does not recognise: the
// mapping it would have used and the --map that says so. Column names are
// printed only when the first line is a header, never a customer.
func unknownFormatError(file string, e *vault.UnknownFormatError) error {
	if e.HeaderLooksLikeData {
		return &exitError{code: exitRefused, msg: e.Error() + "; nothing was imported",
			hint: "add a first line naming the columns (name,email,phone,line1,line2,city,region,postcode,country,note), or pass --map with the column names"}
	}
	var used, ignored []string
	for _, c := range e.Guess {
		if c.Field != "" {
			used = append(used, fmt.Sprintf("%s→%s", c.Column, c.Field))
		} else {
			ignored = append(ignored, c.Column)
		}
	}
	msg := e.Error() + "; nothing was imported"
	if len(used) > 0 {
		msg += "; it would read " + strings.Join(used, ", ")
		if len(ignored) > 0 {
			msg += " and leave out " + strings.Join(ignored, ", ")
		}
	}
	hint := "name the columns with --map, e.g. shopvault import " + file + ` --map "Full Name=name,Mobile=phone,Town=city"`
	if m := e.GuessMap(); m != "" {
		hint = fmt.Sprintf("if that is right, run: shopvault import %s --map %q (check it first with --dry-run)", file, m)
	}
	return &exitError{code: exitRefused, msg: sanitizeTerminal(msg), hint: sanitizeTerminal(hint + "; --format names a known format (" + joinNames(vault.ImportFormats, ", ") + ")")}
}

// printImportSource prints the format, dialect and column mapping
// (import --dry-run).
func printImportSource(w io.Writer, src vault.ImportSource) {
	fmt.Fprintf(w, "format: %s (%s)\n", src.Format, src.Dialect)
	if len(src.Columns) == 0 {
		return
	}
	fmt.Fprintln(w, "columns:")
	for _, c := range src.Columns {
		field := c.Field
		if field == "" {
			field = "(not imported)"
		}
		fmt.Fprintf(w, "  %-28s → %s\n", sanitizeTerminal(c.Column), field)
	}
}

// printPreview prints rows as they would be stored; on a terminal the
// values are masked, since a screen is easily seen by others.
func printPreview(w io.Writer, rows []previewRow, mask bool) {
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(w, "first %s as they would be stored", words.Count(len(rows), "row"))
	if mask {
		fmt.Fprint(w, " (masked on a terminal; pipe the output to see them whole)")
	}
	fmt.Fprintln(w, ":")
	for _, r := range rows {
		var parts []string
		for _, f := range vault.FieldNames {
			v, ok := r.fields[f]
			if !ok {
				continue
			}
			if mask {
				v = maskValue(f, v)
			}
			parts = append(parts, f+"="+sanitizeTerminal(v))
		}
		fmt.Fprintf(w, "  row %d: %s\n", r.line, strings.Join(parts, "  "))
	}
}

type previewRow struct {
	line   int
	fields map[string]string
}

// maskValue keeps enough of a value to check the columns went to the right
// fields: a word's first letter, a phone's country code and last two
// digits, an email's domain, the country.
func maskValue(field, v string) string {
	switch field {
	case "country":
		return v
	case "phone":
		if len(v) > 6 {
			return v[:4] + strings.Repeat("•", len(v)-6) + v[len(v)-2:]
		}
	case "email":
		if at := strings.LastIndexByte(v, '@'); at > 0 {
			return maskWord(v[:at]) + v[at:]
		}
	}
	words := strings.Fields(v)
	for i, w := range words {
		words[i] = maskWord(w)
	}
	return strings.Join(words, " ")
}

func maskWord(w string) string {
	r, size := utf8.DecodeRuneInString(w)
	return string(r) + strings.Repeat("•", utf8.RuneCountInString(w[size:]))
}

// importInput opens the file (or stdin) to import and, on a terminal, wraps
// it in a progress bar measured in bytes of the file: percentage, rate and
// time left.
func importInput(env *Env, name string) (src io.Reader, bar bool, closeSrc func(), err error) {
	if name == "-" {
		return env.In, false, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, false, nil, &exitError{code: exitOther, msg: "cannot open " + name, hint: "check the file name"}
	}
	st, err := f.Stat()
	if err != nil || !env.StderrIsTTY || !st.Mode().IsRegular() {
		return f, false, func() { _ = f.Close() }, nil // read only: nothing to lose
	}
	pb := newProgressBar(env, "importing")
	pb.unit = progressBytes
	// The bar is cleared when the file is read, as the vault's own
	// progress (or the result) is printed next.
	return &progressReader{r: f, bar: pb, total: int(st.Size())}, true, func() { pb.clear(); _ = f.Close() }, nil
}

// importErr turns the reader's refusal of a whole file into the message.
func importErr(file string, err error) error {
	var uf *vault.UnknownFormatError
	if errors.As(err, &uf) {
		return unknownFormatError(file, uf)
	}
	return err
}

// importOptions are import's flags.
type importOptions struct {
	Format string // a vault.ImportFormat name, "" to recognise it
	Map    string // col=field,… for a CSV of no known format
	Report outputTarget
	DryRun bool
	Merge  bool
}

// importRun imports file ("-" is standard input) into the vault.
func importRun(env *Env, g *Global, o *importOptions, file string) error {
	var mapping map[string]string
	if o.Map != "" {
		var err error
		if mapping, err = vault.ParseMapping(o.Map); err != nil {
			return usageErr("--map: %v", err)
		}
	}
	if g.JSON && o.Report.Path == "-" {
		return usageErr("--json prints the summary on stdout; write the report to a file with --report FILE")
	}
	// Before anything is read or imported: an existing report file is the
	// shop's, not ours to replace.
	if o.Report.Path != "" {
		if err := o.Report.claim(env); err != nil {
			return err
		}
	}
	src, bar, closeSrc, err := importInput(env, file)
	if err != nil {
		return err
	}
	defer closeSrc()
	rows, err := vault.NewRowReader(src, vault.ImportFormat(strings.ToLower(o.Format)), mapping)
	if err != nil {
		return importErr(file, err)
	}
	var source *vault.ImportSource
	if d, ok := rows.(vault.Describer); ok && o.DryRun {
		s := d.Describe()
		source = &s
		if !g.JSON {
			printImportSource(env.Out, s)
		}
	}
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		// Problems arrive per batch (refusals while reading, duplicates at
		// commit); they are reported in row order at the end.
		var problems []vault.ImportProblem
		var preview []previewRow
		opts := vault.ImportOptions{DryRun: o.DryRun, Merge: o.Merge, Report: func(p vault.ImportProblem) {
			problems = append(problems, p)
		}}
		if o.DryRun {
			opts.Preview = func(line int, fields map[string]string) {
				if len(preview) < previewRows {
					preview = append(preview, previewRow{line, fields})
				}
			}
		}
		if bar {
			opts.Progress = func(int) {} // the bar shows bytes read
		}
		res, err := v.Import(rows, opts)
		if o.DryRun && !g.JSON {
			printPreview(env.Out, preview, env.StdoutIsTTY)
		}
		if env.StderrIsTTY {
			fmt.Fprintln(env.ErrOut)
		}
		if rerr := reportImportProblems(env, g, o, problems); err == nil {
			err = rerr
		}
		if err != nil {
			return err
		}
		return importOutcome(env, g, o, file, res, source)
	})
}

// reportImportProblems names every refused or skipped row on stderr and,
// with --report, in the report file (row order; never the refused value).
func reportImportProblems(env *Env, g *Global, o *importOptions, problems []vault.ImportProblem) error {
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Line < problems[j].Line })
	var csv *export.CSVWriter
	var buf bytes.Buffer
	if o.Report.Path != "" {
		var err error
		if csv, err = export.NewCSVWriter(&buf, []string{"row", "field", "reason"}); err != nil {
			return err
		}
	}
	for _, p := range problems {
		if errors.Is(p.Err, vault.ErrNoCountry) {
			p.Reason += " (add a country column, or set a default with settings --country)"
		}
		if csv != nil {
			if err := csv.Write([]string{fmt.Sprint(p.Line), p.Field, p.Reason}); err != nil {
				return err
			}
		}
		if !g.JSON {
			fmt.Fprintf(env.ErrOut, "shopvault: row %d: %s\n", p.Line, strings.TrimSpace(p.Field+" "+p.Reason))
		}
	}
	if csv == nil {
		return nil
	}
	if err := csv.Flush(); err != nil {
		return err
	}
	return o.Report.write(env, buf.Bytes(), 0o600)
}

// importOutcome prints the result and turns refused rows into exit 8 (some
// imported) or 5 (none, or a dry run).
func importOutcome(env *Env, g *Global, o *importOptions, file string, res vault.ImportResult, source *vault.ImportSource) error {
	if g.JSON {
		if err := printJSON(env.Out, struct {
			vault.ImportResult
			Source *vault.ImportSource `json:"source,omitempty"`
		}{res, source}); err != nil {
			return err
		}
	} else {
		verb := "imported"
		if o.DryRun {
			verb = "would import"
		}
		fmt.Fprintf(env.Out, "%s %d of %s (%s format): %s skipped, %d merged, %d refused\n", verb, res.Added, words.Count(res.Rows, "row"), res.Format, words.Count(res.Duplicates, "duplicate"), res.Merged, res.Refused)
		if !o.DryRun && file != "-" && res.Added > 0 && res.Refused == 0 {
			fmt.Fprintf(env.ErrOut, "shopvault: the customers are now in the encrypted vault; delete the plaintext source: shred -u %q (and empty it from Downloads, e-mail and cloud folders)\n", file)
		}
	}
	if res.Refused == 0 {
		return nil
	}
	hint := "see the row messages above (or --report FILE), fix those rows and import again; rows already imported are skipped"
	if o.DryRun {
		// Exit 5, not 8: a dry run writes nothing, so nothing was partly
		// done; the message says what the import itself would do.
		wouldDo := "exit 8 with the others imported"
		if res.Added+res.Merged == 0 {
			wouldDo = "exit 5 with nothing imported"
		}
		return &exitError{code: exitRefused, msg: fmt.Sprintf("%d of %d rows would be refused; nothing was written (dry run); the import itself would %s", res.Refused, res.Rows, wouldDo), hint: hint}
	}
	code, written := exitPartial, "the others were imported"
	if res.Added+res.Merged == 0 {
		code, written = exitRefused, "nothing was written"
	}
	return &exitError{code: code, msg: fmt.Sprintf("%d of %d rows were refused; %s", res.Refused, res.Rows, written), hint: hint}
}

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/export"
	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault"
)

func newAliasCmd(env *Env, g *Global) *cobra.Command {
	c := &cobra.Command{
		Use:   "alias",
		Short: "Issue, list and revoke a customer's extra aliases",
		Long: `Aliases are random pseudonyms (K7QM-4TXR-Z) that stand for a customer on labels
and in courier lists. Every customer has a primary alias; issue more per
courier or per shipment, let them expire, revoke them when done.`,
		Example: `  shopvault alias issue K7QM-4TXR-Z --courier gig --expires 30d --json
  shopvault alias list K7QM-4TXR-Z
  shopvault alias revoke M3JD-8QWE-4`,
	}
	var o aliasIssueOptions
	issue := &cobra.Command{
		Use:   "issue ALIAS",
		Short: "Issue an extra alias for a customer",
		Long: `Mint a new random alias for the customer of ALIAS, optionally tied to a
courier and with an expiry (a length like 30d, or a date). Needs the identity
of an owner or support person (not shipping): the access log names who issued it.`,
		Example: `  shopvault alias issue K7QM-4TXR-Z --courier gig --expires 30d --json
  shopvault alias issue K7QM-4TXR-Z --note "order 1042"`,
		Args:              exactArgs(1, "ALIAS"),
		ValidArgsFunction: completeAliases(env, g),
		RunE: func(c *cobra.Command, args []string) error {
			return aliasIssueRun(env, g, &o, args[0])
		},
	}
	issue.Flags().StringVar(&o.Courier, "courier", "", "courier this alias is for")
	issue.Flags().StringVar(&o.Expires, "expires", "", "expiry: a length (30d, 2w, 6m) or a date (YYYY-MM-DD)")
	issue.Flags().StringVar(&o.Note, "note", "", "what the alias is for (metadata; do not put personal data here)")
	list := &cobra.Command{
		Use:               "list ALIAS",
		Short:             "List every alias of a customer",
		Long:              "List the aliases of the customer of ALIAS with courier, created, expires and revoked dates.",
		Example:           "  shopvault alias list K7QM-4TXR-Z\n  shopvault alias list K7QM-4TXR-Z --json",
		Args:              exactArgs(1, "ALIAS"),
		ValidArgsFunction: completeAliases(env, g),
		RunE: func(c *cobra.Command, args []string) error {
			return aliasListRun(env, g, args[0])
		},
	}
	revoke := &cobra.Command{
		Use:     "revoke ALIAS",
		Short:   "Stop an alias from resolving",
		Long:    "Revoke an extra alias: afterwards it no longer resolves (exit 6, \"revoked\"). The primary alias cannot be revoked. Needs an owner's or support person's identity: the change is signed as theirs.",
		Example: "  shopvault alias revoke M3JD-8QWE-4",
		Args:    exactArgs(1, "ALIAS"),
		RunE: func(c *cobra.Command, args []string) error {
			return aliasRevokeRun(env, g, args[0])
		},
	}
	c.AddCommand(issue, list, revoke)
	return c
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

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

type labelOptions struct {
	Format   string
	Out      outputTarget
	Size     string
	Sheet    string
	FullName bool
	Phone    bool
	Font     string
	From     string
	SizeSet  bool
}

func newLabelCmd(env *Env, g *Global) *cobra.Command {
	o := &labelOptions{}
	c := &cobra.Command{
		Use:   "label ALIAS... | label -",
		Short: "Print shipping labels (PDF, ZPL or text)",
		Long: `Print one shipping label per alias: the alias large and as a Code 128 barcode,
the delivery address, and the recipient's first name (--full-name for the
whole name, --phone to add the delivery phone).

With "-", a batch is read from stdin: one alias per line, optionally followed
by a tab, a comma or spaces and the order reference printed on the label.
The good lines are printed; each bad line (an erased or mistyped alias) is
named by its number on stderr, and the command exits 8 (partly done), or 6
when no line named a customer. Aliases given as arguments are all or
nothing. On success one line on stderr says what was written.

PDF labels are 4x6 in (288x432 pt) by default; --size a6, or --sheet a4 for
four A6 labels per A4 page. ZPL is for Zebra-style printers at 203 dpi.
-o never replaces an existing file unless --force is given or you answer
yes on the terminal; a device or pipe (a printer's FIFO) is written into.
Printing reads personal data: it needs the shipping role and is recorded.
The built-in font covers Latin (with every diacritic), Greek and Cyrillic.
For CJK it uses --font FILE.ttf, else $SHOPVAULT_LABEL_FONT, else a system
font such as Debian's fonts-droid-fallback; with none, it refuses with a
clear error rather than printing boxes.`,
		Example: `  shopvault label K7QM-4TXR-Z -o label.pdf
  printf 'K7QM-4TXR-Z ORD-1\nM3JD-8QWE-4,ORD-2\n' | shopvault label - --sheet a4 -o week.pdf
  shopvault label K7QM-4TXR-Z --format zpl -o - | nc printer 9100`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr("label needs ALIAS... or - to read aliases from stdin")
			}
			return nil
		},
		ValidArgsFunction: completeAliases(env, g),
		RunE: func(c *cobra.Command, args []string) error {
			// --sheet a4 holds four A6 labels unless --size says otherwise.
			o.SizeSet = c.Flags().Changed("size")
			return labelRun(env, g, o, args)
		},
	}
	f := c.Flags()
	f.StringVar(&o.Format, "format", "pdf", "pdf, zpl or text")
	addOutputFlags(c, &o.Out, "", "output file, or - for stdout (default labels.pdf / labels.zpl / stdout for text)")
	f.StringVar(&o.Size, "size", "4x6", "label size for PDF: 4x6 or a6")
	f.StringVar(&o.Sheet, "sheet", "", "put several labels on each page of this sheet: a4")
	f.BoolVar(&o.FullName, "full-name", false, "print the whole name, not just the first name")
	f.BoolVar(&o.Phone, "phone", false, "print the delivery phone")
	f.StringVar(&o.Font, "font", "", "a TrueType font for scripts the built-in font lacks (e.g. CJK)")
	f.StringVar(&o.From, "from", "", "sender line (your shop name)")
	return c
}

func labelRun(env *Env, g *Global, o *labelOptions, args []string) error {
	var size export.PageSize
	switch strings.ToLower(o.Size) {
	case "4x6":
		size = export.Size4x6
	case "a6":
		size = export.SizeA6
	default:
		return usageErr("--size must be 4x6 or a6")
	}
	var sheet *export.PageSize
	switch strings.ToLower(o.Sheet) {
	case "":
	case "a4":
		sheet = &export.SizeA4
		if !o.SizeSet {
			size = export.SizeA6
		}
	default:
		return usageErr("--sheet must be a4")
	}
	format := strings.ToLower(o.Format)
	if format != "pdf" && format != "zpl" && format != "text" {
		return usageErr("--format must be pdf, zpl or text")
	}
	batch := len(args) == 1 && args[0] == "-"
	var lines []orderLine
	if batch {
		var err error
		if lines, err = readOrderLines(env.In); err != nil {
			return err
		}
		if len(lines) == 0 {
			return errNoOrderLines()
		}
	} else {
		for _, a := range args {
			lines = append(lines, orderLine{Alias: a})
		}
	}
	reqs := make([]vault.LabelRequest, len(lines))
	for i, l := range lines {
		reqs[i] = vault.LabelRequest{Alias: l.Alias, Ref: l.Ref}
	}
	var font []byte
	if o.Font != "" {
		b, err := os.ReadFile(o.Font)
		if err != nil {
			return usageErr("--font: cannot read %s", o.Font)
		}
		font = b
	}
	// text labels go to stdout unless -o says otherwise: with --json they
	// would share it with the summary.
	if g.JSON && (o.Out.Path == "-" || o.Out.Path == "" && format == "text") {
		return usageErr("--json prints a summary on stdout; write the labels to a file with -o FILE")
	}
	if o.Out.Path == "" {
		switch format {
		case "pdf":
			o.Out.Path = "labels.pdf"
		case "zpl":
			o.Out.Path = "labels.zpl"
		default:
			o.Out.Path = "-"
		}
	}
	if err := o.Out.claim(env); err != nil {
		return err
	}
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		var recs []vault.LabelRecord
		var bad []*exitError
		if batch {
			var problems []vault.LabelProblem
			var err error
			if recs, problems, err = v.ForLabelBatch(reqs, o.Phone); err != nil {
				return err
			}
			for _, p := range problems {
				bad = append(bad, batchLineError(lines[p.Index], p.Err))
			}
		} else {
			var err error
			if recs, err = v.ForLabels(reqs, o.Phone); err != nil {
				return err
			}
		}
		done := "no labels were written"
		if len(recs) > 0 {
			labels := make([]export.Label, len(recs))
			for i, r := range recs {
				labels[i] = export.LabelFromFields(r.Alias, r.Fields, o.FullName, o.Phone, r.Ref, o.From)
			}
			data, err := renderLabels(env, labels, format, export.PDFOptions{Size: size, Sheet: sheet, FontTTF: font})
			if err != nil {
				return err
			}
			if err := o.Out.write(env, data, 0o600); err != nil {
				return err
			}
			done = fmt.Sprintf("%s written to %s", words.Count(len(recs), "label"), o.Out.where())
			if !g.JSON {
				fmt.Fprintf(env.ErrOut, "shopvault: %s\n", done)
			}
		}
		if g.JSON {
			sum := labelSummary{Output: o.Out.Path, Labels: len(recs), NotDone: []int{}}
			for _, b := range bad {
				sum.NotDone = append(sum.NotDone, b.line)
			}
			if err := printJSON(env.Out, sum); err != nil {
				return err
			}
		}
		return batchResult(env, bad, len(lines), done)
	})
}

// labelSummary is what label --json prints (docs/json.md).
type labelSummary struct {
	Output  string `json:"output"`
	Labels  int    `json:"labels"`
	NotDone []int  `json:"lines_not_done"`
}

// renderLabels draws labels in memory first, so a failure (a missing
// glyph) leaves no half-written file. pdf's fallback fonts and date are
// filled in here.
func renderLabels(env *Env, labels []export.Label, format string, pdf export.PDFOptions) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	switch format {
	case "pdf":
		pdf.FallbackFonts = func() [][]byte { return systemCJKFonts(env) }
		pdf.Created = env.Now()
		err = export.WritePDFLabels(&buf, labels, pdf)
	case "zpl":
		err = export.WriteZPL(&buf, labels)
	case "text":
		err = export.WriteTextLabels(&buf, labels)
	}
	if err != nil {
		var mg *export.MissingGlyphsError
		if errors.As(err, &mg) {
			return nil, &exitError{code: exitOther, msg: mg.Error(), hint: "pass --font with a TrueType (.ttf) font that covers it, or install one (Debian: apt install fonts-droid-fallback), or use --format zpl/text; nothing was written"}
		}
		return nil, err
	}
	return buf.Bytes(), nil
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
One line on stderr says how many shipments were written where. -o never
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
		return nil
	})
}

// cjkFontPaths are TrueType fonts with CJK glyphs that Linux distributions
// ship (fpdf reads .ttf, not .ttc/.otf collections).
var cjkFontPaths = []string{
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
	"/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
	"/usr/share/fonts/truetype/nanum/NanumBarunGothic.ttf",
	"/usr/share/fonts/truetype/droid/DroidSansFallback.ttf",
	"/usr/share/fonts/droid/DroidSansFallbackFull.ttf",
	"/usr/share/fonts/google-droid/DroidSansFallbackFull.ttf",
	"/usr/share/fonts/truetype/unifont/unifont.ttf",
}

// systemCJKFonts is the documented fallback for labels the built-in font
// cannot draw: $SHOPVAULT_LABEL_FONT, then the system fonts found.
func systemCJKFonts(env *Env) [][]byte {
	paths := cjkFontPaths
	if p := env.Getenv("SHOPVAULT_LABEL_FONT"); p != "" {
		paths = append([]string{p}, paths...)
	}
	var out [][]byte
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			out = append(out, data)
		}
	}
	return out
}

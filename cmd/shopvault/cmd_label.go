package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/export"
	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault"
)

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

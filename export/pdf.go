package export

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/code128"
	"github.com/go-fonts/dejavu/dejavusans"
	"github.com/go-fonts/dejavu/dejavusansbold"
	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/sfnt"
)

// Labels and sheets use DejaVu Sans from the go-fonts module: it covers
// Latin with every diacritic the vault's names use (Yorùbá's ọ̀, Polish,
// Turkish, Vietnamese), Greek, Cyrillic, Hebrew and Arabic letters; it has
// no CJK. Embedded so labels print the same anywhere.

// PageSize is a label or sheet size in points.
type PageSize struct {
	Name          string
	Width, Height float64
}

// Label sizes.
var (
	Size4x6 = PageSize{"4x6", 288, 432}
	SizeA6  = PageSize{"a6", 297.64, 419.53}
	SizeA4  = PageSize{"a4", 595.28, 841.89}
)

// ErrMissingGlyphs means a label's text uses characters no available font
// can draw (CJK without --font); nothing is written rather than garbage.
var ErrMissingGlyphs = errors.New("the label font cannot draw some characters of this label")

// MissingGlyphsError names the label (by alias) and the script missing.
type MissingGlyphsError struct {
	Alias  string
	Script string
}

func (e *MissingGlyphsError) Error() string {
	return fmt.Sprintf("label %s needs %s characters that the built-in font cannot draw", e.Alias, e.Script)
}

// Unwrap makes errors.Is(err, ErrMissingGlyphs) hold.
func (e *MissingGlyphsError) Unwrap() error { return ErrMissingGlyphs }

// PDFOptions choose the label layout.
type PDFOptions struct {
	Size PageSize
	// Sheet, when set, places several labels of Size on each page of Sheet
	// (A6 labels on A4 for a home printer: four a page).
	Sheet *PageSize
	// FontTTF is an extra TrueType font (e.g. with CJK) used for labels the
	// built-in font cannot draw.
	FontTTF []byte
	// FallbackFonts, asked only if a label needs it, returns more TrueType
	// fonts to try after FontTTF (the CLI finds system CJK fonts).
	FallbackFonts func() [][]byte
	// Created fixes the PDF's creation date (reproducible output).
	Created time.Time
}

type fontChecker struct{ f *sfnt.Font }

func newFontChecker(ttf []byte) (*fontChecker, error) {
	f, err := sfnt.Parse(ttf)
	if err != nil {
		return nil, fmt.Errorf("font: %w", err)
	}
	return &fontChecker{f: f}, nil
}

// missing returns the first rune the font has no glyph for, or 0.
func (c *fontChecker) missing(s string) rune {
	var buf sfnt.Buffer
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			continue
		}
		if gi, err := c.f.GlyphIndex(&buf, r); err != nil || gi == 0 {
			return r
		}
	}
	return 0
}

func scriptOf(r rune) string {
	for _, s := range []struct {
		name string
		t    *unicode.RangeTable
	}{{"Han (CJK)", unicode.Han}, {"Hiragana/Katakana (Japanese)", unicode.Hiragana}, {"Katakana (Japanese)", unicode.Katakana}, {"Hangul (Korean)", unicode.Hangul}, {"Thai", unicode.Thai}, {"Devanagari", unicode.Devanagari}} {
		if unicode.Is(s.t, r) {
			return s.name
		}
	}
	return fmt.Sprintf("U+%04X", r)
}

func labelText(l Label) string {
	return strings.Join(append([]string{l.Alias, l.Recipient, l.Phone, l.Ref, l.From}, l.Lines...), "\n")
}

// WritePDFLabels renders labels to a PDF: one page per label, or several
// per sheet. Every label's text is checked against the fonts first.
func WritePDFLabels(w io.Writer, labels []Label, o PDFOptions) error {
	base, err := newFontChecker(dejavusans.TTF)
	if err != nil {
		return err
	}
	var extras []*fontChecker
	var extraTTF [][]byte
	addFont := func(ttf []byte) error {
		fc, err := newFontChecker(ttf)
		if err != nil {
			return err
		}
		extras = append(extras, fc)
		extraTTF = append(extraTTF, ttf)
		return nil
	}
	if o.FontTTF != nil {
		if err := addFont(o.FontTTF); err != nil {
			return err
		}
	}
	fallbackTried := false
	for _, l := range labels {
		if r := missingFromAll(labelText(l), base, extras); r == 0 {
			continue
		}
		if !fallbackTried && o.FallbackFonts != nil {
			fallbackTried = true
			for _, ttf := range o.FallbackFonts() {
				_ = addFont(ttf) // a system font that does not parse is skipped
			}
		}
		if r := missingFromAll(labelText(l), base, extras); r != 0 {
			return &MissingGlyphsError{Alias: l.Alias, Script: scriptOf(r)}
		}
	}
	page := o.Size
	if o.Sheet != nil {
		page = *o.Sheet
	}
	pdf := fpdf.NewCustom(&fpdf.InitType{UnitStr: "pt", Size: fpdf.SizeType{Wd: page.Width, Ht: page.Height}})
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCompression(true)
	pdf.SetCreator("shopvault", true)
	pdf.SetTitle("shipping labels", true)
	if !o.Created.IsZero() {
		pdf.SetCreationDate(o.Created)
		pdf.SetModificationDate(o.Created)
	}
	pdf.AddUTF8FontFromBytes("dejavu", "", dejavusans.TTF)
	pdf.AddUTF8FontFromBytes("dejavu", "B", dejavusansbold.TTF)
	for i, ttf := range extraTTF {
		pdf.AddUTF8FontFromBytes(extraFamily(i), "", ttf)
		pdf.AddUTF8FontFromBytes(extraFamily(i), "B", ttf)
	}
	cols, rows := 1, 1
	if o.Sheet != nil {
		cols = max(1, int(o.Sheet.Width/o.Size.Width))
		rows = max(1, int(o.Sheet.Height/o.Size.Height))
	}
	perPage := cols * rows
	for i, l := range labels {
		slot := i % perPage
		if slot == 0 {
			pdf.AddPage()
		}
		x := float64(slot%cols) * o.Size.Width
		y := float64(slot/cols) * o.Size.Height
		if o.Sheet != nil {
			// centre the grid on the sheet and draw cut marks
			x += (o.Sheet.Width - float64(cols)*o.Size.Width) / 2
			y += (o.Sheet.Height - float64(rows)*o.Size.Height) / 2
			pdf.SetDrawColor(180, 180, 180)
			pdf.SetLineWidth(0.3)
			pdf.Rect(x, y, o.Size.Width, o.Size.Height, "D")
		}
		tw := &textWriter{pdf: pdf, base: base, extras: extras}
		if err := drawLabel(pdf, tw, l, x, y, o.Size); err != nil {
			return err
		}
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("render pdf: %w", err)
	}
	return pdf.Output(w)
}

func extraFamily(i int) string { return fmt.Sprintf("extra%d", i) }

// fontFor names the first font (built-in, then extras) with a glyph for r.
func fontFor(r rune, base *fontChecker, extras []*fontChecker) (string, bool) {
	if base.missing(string(r)) == 0 {
		return "dejavu", true
	}
	for i, e := range extras {
		if e.missing(string(r)) == 0 {
			return extraFamily(i), true
		}
	}
	return "", false
}

// missingFromAll returns a rune no font draws, or 0.
func missingFromAll(s string, base *fontChecker, extras []*fontChecker) rune {
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			continue
		}
		if _, ok := fontFor(r, base, extras); !ok {
			return r
		}
	}
	return 0
}

// textWriter draws a line of text in runs: the built-in font where it has
// the glyphs, the first extra font (CJK) that has them for the rest.
type textWriter struct {
	pdf    *fpdf.Fpdf
	base   *fontChecker
	extras []*fontChecker
}

func (t *textWriter) runs(s string) []struct{ family, text string } {
	var out []struct{ family, text string }
	for _, r := range s {
		fam, ok := fontFor(r, t.base, t.extras)
		if !ok {
			fam = "dejavu"
		}
		if n := len(out); n > 0 && (out[n-1].family == fam || r == ' ') {
			out[n-1].text += string(r)
			continue
		}
		out = append(out, struct{ family, text string }{fam, string(r)})
	}
	return out
}

// line draws s at (x, y) in style and size, shrinking the size until it
// fits width w; returns the line height used.
func (t *textWriter) line(x, y, w, size float64, style, s string) float64 {
	runs := t.runs(s)
	width := func(sz float64) float64 {
		total := 0.0
		for _, r := range runs {
			t.pdf.SetFont(r.family, style, sz)
			total += t.pdf.GetStringWidth(r.text)
		}
		return total
	}
	for size > 6 && width(size) > w {
		size -= 0.5
	}
	cx := x
	for _, r := range runs {
		t.pdf.SetFont(r.family, style, size)
		rw := t.pdf.GetStringWidth(r.text)
		t.pdf.SetXY(cx, y)
		t.pdf.CellFormat(rw, size*1.2, r.text, "", 0, "L", false, 0, "")
		cx += rw
	}
	return size * 1.25
}

func drawLabel(pdf *fpdf.Fpdf, tw *textWriter, l Label, x0, y0 float64, size PageSize) error {
	const m = 16.0
	w := size.Width - 2*m
	x := x0 + m
	y := y0 + m
	pdf.SetTextColor(0, 0, 0)
	if l.From != "" {
		y += tw.line(x, y, w, 8, "", "From: "+l.From) + 2
	}
	pdf.SetFont("dejavu", "B", 30)
	pdf.SetXY(x, y)
	pdf.CellFormat(w, 34, l.Alias, "", 0, "C", false, 0, "")
	y += 40
	if err := drawCode128(pdf, l.Alias, x+w*0.1, y, w*0.8, 46); err != nil {
		return err
	}
	y += 56
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetLineWidth(1)
	pdf.Line(x, y, x+w, y)
	y += 8
	pdf.SetFont("dejavu", "", 8)
	pdf.SetXY(x, y)
	pdf.CellFormat(w, 10, "SHIP TO", "", 0, "L", false, 0, "")
	y += 12
	y += tw.line(x, y, w, 18, "B", l.Recipient) + 2
	for _, line := range l.Lines {
		y += tw.line(x, y, w, 13, "", line)
	}
	if l.Phone != "" {
		y += 4
		y += tw.line(x, y, w, 12, "", "Tel. "+l.Phone)
	}
	bottom := y0 + size.Height - m
	if l.Ref != "" {
		tw.line(x, bottom-28, w, 12, "B", "Order "+l.Ref)
	}
	pdf.SetFont("dejavu", "", 6.5)
	pdf.SetTextColor(90, 90, 90)
	pdf.SetXY(x, bottom-10)
	pdf.CellFormat(w, 8, "The code above is a pseudonym; only the sender can link it to a person.", "", 0, "L", false, 0, "")
	return nil
}

// drawCode128 draws the barcode as vector bars (crisp at any printer dpi).
func drawCode128(pdf *fpdf.Fpdf, text string, x, y, w, h float64) error {
	bc, err := code128.Encode(text)
	if err != nil {
		return fmt.Errorf("barcode: %w", err)
	}
	drawBars(pdf, bc, x, y, w, h)
	return nil
}

func drawBars(pdf *fpdf.Fpdf, bc barcode.Barcode, x, y, w, h float64) {
	b := bc.Bounds()
	n := b.Dx()
	mod := w / float64(n)
	pdf.SetFillColor(0, 0, 0)
	for i := 0; i < n; {
		if !isDark(bc, b.Min.X+i, b.Min.Y) {
			i++
			continue
		}
		j := i
		for j < n && isDark(bc, b.Min.X+j, b.Min.Y) {
			j++
		}
		pdf.Rect(x+float64(i)*mod, y, float64(j-i)*mod, h, "F")
		i = j
	}
}

func isDark(bc barcode.Barcode, x, y int) bool {
	r, _, _, _ := bc.At(x, y).RGBA()
	return r < 0x8000
}

package export

import (
	"fmt"
	"io"
	"time"

	"github.com/boombuler/barcode/qr"
	"github.com/go-fonts/dejavu/dejavusans"
	"github.com/go-fonts/dejavu/dejavusansbold"
	"github.com/go-fonts/dejavu/dejavusansmono"
	"github.com/go-pdf/fpdf"
)

// RecoverySheet is the printable copy of the owner's identity.
type RecoverySheet struct {
	Identity  string
	Recipient string
	// OwnerFingerprint names the owner's signing key, for pinning the
	// vault's owner on another machine (shopvault trust add).
	OwnerFingerprint string
	VaultPath        string
	Created          time.Time
}

// WriteRecoverySheet renders an A4 page: what the sheet is, the identity as
// text and as a QR code, and how to use it. The PDF is the key: the caller
// writes it 0600 and tells the owner to print and delete it.
func WriteRecoverySheet(w io.Writer, s RecoverySheet) error {
	pdf := fpdf.NewCustom(&fpdf.InitType{UnitStr: "pt", Size: fpdf.SizeType{Wd: SizeA4.Width, Ht: SizeA4.Height}})
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCompression(true)
	if !s.Created.IsZero() {
		pdf.SetCreationDate(s.Created)
		pdf.SetModificationDate(s.Created)
	}
	pdf.AddUTF8FontFromBytes("dejavu", "", dejavusans.TTF)
	pdf.AddUTF8FontFromBytes("dejavu", "B", dejavusansbold.TTF)
	// The key in a monospaced font: every character distinct and the
	// whole key on one line, as the instructions say.
	pdf.AddUTF8FontFromBytes("mono", "", dejavusansmono.TTF)
	pdf.AddPage()
	const m = 56.0
	width := SizeA4.Width - 2*m
	pdf.SetFont("dejavu", "B", 20)
	pdf.SetXY(m, m)
	pdf.CellFormat(width, 24, "shopvault recovery sheet", "", 1, "L", false, 0, "")
	pdf.SetFont("dejavu", "", 11)
	pdf.SetX(m)
	pdf.MultiCell(width, 15, fmt.Sprintf("This sheet is the key to your customer vault (%s), made on %s. Anyone holding it can read your customers' data: keep it locked away, like a spare house key. If your computer is lost, install shopvault, type or scan the key below into a file, and pass it with --identity.", s.VaultPath, s.Created.Format(time.DateOnly)), "", "L", false)
	pdf.Ln(10)
	code, err := qr.Encode(s.Identity, qr.M, qr.Auto)
	if err != nil {
		return fmt.Errorf("qr code: %w", err)
	}
	n := code.Bounds().Dx()
	size := 220.0
	mod := size / float64(n)
	x0, y0 := m, pdf.GetY()
	pdf.SetFillColor(0, 0, 0)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if isDark(code, code.Bounds().Min.X+x, code.Bounds().Min.Y+y) {
				pdf.Rect(x0+float64(x)*mod, y0+float64(y)*mod, mod, mod, "F")
			}
		}
	}
	pdf.SetXY(m, y0+size+16)
	fontSize, lines := keyLines(s.Identity, width-8)
	pdf.SetFont("dejavu", "B", 10)
	if len(lines) == 1 {
		pdf.CellFormat(width, 14, "Secret key (type it exactly, on one line):", "", 1, "L", false, 0, "")
	} else {
		pdf.MultiCell(width, 14, fmt.Sprintf("Secret key, in %d numbered lines: type them one after another on a single line, without the numbers and without spaces:", len(lines)), "", "L", false)
	}
	pdf.SetFont("mono", "", fontSize)
	for i, line := range lines {
		pdf.SetX(m)
		if len(lines) > 1 {
			line = fmt.Sprintf("%2d  %s", i+1, line)
		}
		pdf.CellFormat(width, fontSize*1.6, line, "1", 1, "L", false, 0, "")
	}
	pdf.Ln(8)
	pdf.SetX(m)
	pdf.SetFont("dejavu", "", 9)
	pdf.MultiCell(width, 12, "Public key (safe to share; for checking): "+s.Recipient, "", "L", false)
	if s.OwnerFingerprint != "" {
		pdf.MultiCell(width, 12, "Owner fingerprint (safe to share; on a new machine: shopvault trust add "+s.OwnerFingerprint+")", "", "L", false)
	}
	if err := pdf.Error(); err != nil {
		return err
	}
	return pdf.Output(w)
}

// monoAdvance is DejaVu Sans Mono's advance width, in ems.
const monoAdvance = 0.602

// keyLines lays the key out in width points of monospaced text: one line
// at the largest size up to 12 pt that fits, down to 8 pt; a key too long
// for that is cut into lines of equal length, each one typed after the
// other.
func keyLines(key string, width float64) (fontSize float64, lines []string) {
	const largest, smallest = 12.0, 8.0
	n := len([]rune(key))
	if n == 0 {
		return largest, []string{""}
	}
	fontSize = min(largest, width/(monoAdvance*float64(n)))
	if fontSize >= smallest {
		return fontSize, []string{key}
	}
	fontSize = smallest
	per := int(width/(monoAdvance*smallest)) - 4 // room for the line number
	r := []rune(key)
	for len(r) > 0 {
		k := min(per, len(r))
		lines = append(lines, string(r[:k]))
		r = r[k:]
	}
	return fontSize, lines
}

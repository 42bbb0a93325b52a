package vault

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/shopvault/shopvault/vault/sensitive"
)

// ScanFinding is one place in a file that holds data the guard refuses:
// where, and what kind, never the value (shopvault scan, issue 14).
type ScanFinding struct {
	File     string `json:"file"`
	Unit     string `json:"unit"` // "row" for CSV, "line" for vCard and text
	Line     int    `json:"line"` // 1-based line in the file
	Field    string `json:"field,omitempty"`
	Category string `json:"category"`
}

// Scan kinds.
const (
	ScanCSV   = "csv"
	ScanVCard = "vcard"
	ScanText  = "text"
)

// ScanKind picks how to read a file: by its extension (.csv, .tsv, .vcf,
// .vcard), else a vCard if it starts like one, else lines of text (chat
// exports, notes).
func ScanKind(name string, head []byte) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".tsv":
		return ScanCSV
	case ".vcf", ".vcard":
		return ScanVCard
	}
	if strings.HasPrefix(strings.ToUpper(strings.TrimLeft(string(head), "\ufeff \t\r\n")), "BEGIN:VCARD") {
		return ScanVCard
	}
	return ScanText
}

// Scan reads one file (CSV in any dialect the importer reads, vCard, or
// plain text) and calls found for every cell, property or line that holds
// data the vault refuses. It needs no vault and no key, and keeps nothing.
func Scan(src io.Reader, name, kind string, found func(ScanFinding) error) error {
	br, _, err := decodeInput(src)
	if err != nil {
		return err
	}
	if kind == "" {
		head, _ := br.Peek(256)
		kind = ScanKind(name, head)
	}
	report := func(unit string, line int, field, text, detectAs string) error {
		for _, c := range sensitive.CategoriesOf(sensitive.Detect(text, detectAs)) {
			if err := found(ScanFinding{File: name, Unit: unit, Line: line, Field: field, Category: string(c)}); err != nil {
				return err
			}
		}
		return nil
	}
	switch kind {
	case ScanCSV:
		return scanCSV(br, report)
	case ScanVCard:
		return scanVCard(br, report)
	}
	return scanLines(br, func(line int, text string) error { return report("line", line, "", text, "") })
}

type scanReport func(unit string, line int, field, text, detectAs string) error

func scanCSV(br *bufio.Reader, report scanReport) error {
	r := csv.NewReader(&recordLimiter{r: br, limit: MaxImportRecordBytes})
	r.Comma, _ = sniffComma(br)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true // reading to look, not to import: keep going
	var cols []string
	for first := true; ; first = false {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return scanReadError(err)
		}
		line, _ := r.FieldPos(0)
		if first {
			cols = scanColumns(rec)
			if cols != nil {
				continue // a header, named in findings
			}
		}
		for i, cell := range rec {
			col := "column " + strconv.Itoa(i+1)
			if i < len(cols) && cols[i] != "" {
				col = cols[i]
			}
			if err := report("row", line, col, cell, scanDetectAs(col)); err != nil {
				return err
			}
		}
	}
}

// scanColumns names the columns from the first row, or returns nil when
// that row is data (a file without a header): then columns are numbered,
// so a finding never prints a customer's value as a column name.
func scanColumns(first []string) []string {
	if len(first) > 0 {
		first[0] = strings.TrimPrefix(first[0], "\ufeff")
	}
	if looksLikeData(first) {
		return nil
	}
	cols := make([]string, len(first))
	for i, c := range first {
		c = strings.TrimSpace(c)
		if len(sensitive.Detect(c, "")) > 0 {
			return nil
		}
		cols[i] = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
				return -1
			}
			return r
		}, c)
		if len(cols[i]) > 60 {
			cols[i] = cols[i][:60]
		}
	}
	return cols
}

// scanDetectAs reads a phone column's digits as phone numbers.
func scanDetectAs(col string) string {
	c := strings.ToLower(col)
	for _, w := range []string{"phone", "mobile", "tel", "whatsapp", "cell"} {
		if strings.Contains(c, w) {
			return "phone"
		}
	}
	return ""
}

func scanVCard(br *bufio.Reader, report scanReport) error {
	var prop string
	var start int
	flush := func() error {
		if prop == "" {
			return nil
		}
		name, val, ok := strings.Cut(prop, ":")
		prop = ""
		if !ok {
			return nil
		}
		name = strings.ToUpper(name)
		if i := strings.IndexByte(name, ';'); i >= 0 {
			name = name[:i]
		}
		if i := strings.IndexByte(name, '.'); i >= 0 { // item1.TEL
			name = name[i+1:]
		}
		switch name {
		case "BEGIN", "END", "VERSION", "PHOTO", "LOGO", "SOUND", "KEY", "UID", "REV", "PRODID":
			return nil
		}
		as := ""
		if name == "TEL" {
			as = "phone"
		}
		return report("line", start, name, strings.NewReplacer(`\n`, " ", `\N`, " ", `\,`, ",", `\;`, ";").Replace(val), as)
	}
	err := scanLines(br, func(line int, text string) error {
		if strings.HasPrefix(text, " ") || strings.HasPrefix(text, "\t") {
			prop += text[1:] // folded line
			return nil
		}
		if err := flush(); err != nil {
			return err
		}
		prop, start = text, line
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

func scanLines(br *bufio.Reader, fn func(line int, text string) error) error {
	s := bufio.NewScanner(br)
	s.Buffer(make([]byte, 64*1024), MaxImportRecordBytes)
	for line := 1; s.Scan(); line++ {
		if err := fn(line, strings.TrimRight(s.Text(), "\r")); err != nil {
			return err
		}
	}
	if errors.Is(s.Err(), bufio.ErrTooLong) {
		return tooLongError("line")
	}
	return scanReadError(s.Err())
}

func scanReadError(err error) error {
	var pe *csv.ParseError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errRecordTooLong):
		return tooLongError("row")
	case errors.As(err, &pe):
		return &InputError{Reason: fmt.Sprintf("line %d is not CSV (%v)", pe.StartLine, pe.Err)}
	}
	return err
}

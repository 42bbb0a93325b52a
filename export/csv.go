package export

import (
	"encoding/csv"
	"io"
)

// SafeCell neutralises spreadsheet formula injection: a value starting with
// =, +, -, @, tab or carriage return is prefixed with ' so a spreadsheet
// shows it as text instead of running it (OWASP's CSV injection advice).
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// CSVWriter writes RFC 4180 CSV (CRLF line ends, quoted as needed) with
// every cell neutralised.
type CSVWriter struct{ w *csv.Writer }

// NewCSVWriter starts a CSV with a header row.
func NewCSVWriter(w io.Writer, header []string) (*CSVWriter, error) {
	c := &CSVWriter{w: csv.NewWriter(w)}
	c.w.UseCRLF = true
	return c, c.Write(header)
}

// Write writes one row.
func (c *CSVWriter) Write(row []string) error {
	safe := make([]string, len(row))
	for i, v := range row {
		safe[i] = SafeCell(v)
	}
	return c.w.Write(safe)
}

// Flush flushes and reports any write error.
func (c *CSVWriter) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

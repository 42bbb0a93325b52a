package vault

import (
	"crypto/sha256"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ImportRow is one source row mapped to vault fields, before validation.
type ImportRow struct {
	Line    int // 1-based line (CSV: data rows start at 2) or vCard number
	Fields  map[string]string
	Created string
	Consent []string
	// Refused is set when a cell cannot be read as it stands (a consent
	// value shopvault cannot read): the row is reported, not imported.
	Refused error
}

// ImportFormat names a layout import reads (its spelling is in the import
// result's JSON).
type ImportFormat string

// Import formats.
const (
	FormatNative            ImportFormat = "native"
	FormatShopify           ImportFormat = "shopify"
	FormatShopifyOrders     ImportFormat = "shopify-orders"
	FormatWooCommerce       ImportFormat = "woocommerce"
	FormatWooCommerceOrders ImportFormat = "woocommerce-orders"
	FormatGoogle            ImportFormat = "google"
	FormatOutlook           ImportFormat = "outlook"
	FormatVCard             ImportFormat = "vcard"
	FormatMapped            ImportFormat = "mapped" // a CSV read through a column mapping
)

// ErrUnknownFormat means an import format name is none of ImportFormats.
var ErrUnknownFormat = errors.New("unknown import format")

// ImportFormats are the formats a caller may name.
var ImportFormats = []ImportFormat{FormatNative, FormatShopify, FormatShopifyOrders, FormatWooCommerce, FormatWooCommerceOrders, FormatGoogle, FormatOutlook, FormatVCard}

// ColumnUse says what import does with one source column.
type ColumnUse struct {
	Column string `json:"column"`
	Field  string `json:"field"` // "" when the column is not imported
}

// ImportSource describes a file as import reads it.
type ImportSource struct {
	Format  ImportFormat `json:"format"`
	Dialect string       `json:"dialect"`
	Columns []ColumnUse  `json:"columns,omitempty"`
}

// RowReader yields import rows one at a time: constant memory.
type RowReader interface {
	Next() (ImportRow, error) // io.EOF at the end
	Format() ImportFormat
}

// Describer is a RowReader that can say how it reads its source.
type Describer interface {
	Describe() ImportSource
}

// UnknownFormatError is a CSV whose header matches no known format. Guess
// is the mapping import would use (by column-name synonyms) for the user
// to confirm with --map; HeaderLooksLikeData says the first line is
// probably a customer, whose values must not be printed.
type UnknownFormatError struct {
	Guess               []ColumnUse
	HeaderLooksLikeData bool
}

func (e *UnknownFormatError) Error() string {
	if e.HeaderLooksLikeData {
		return "the file has no header line (its first line looks like a customer)"
	}
	return "cannot tell the CSV format from its header"
}

// GuessMap is the --map value for the guessed mapping.
func (e *UnknownFormatError) GuessMap() string {
	var parts []string
	for _, c := range e.Guess {
		if c.Field != "" {
			parts = append(parts, c.Column+"="+c.Field)
		}
	}
	return strings.Join(parts, ",")
}

// ParseMapping parses a column mapping "col=field,col2=field2".
func ParseMapping(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		col, field, ok := strings.Cut(pair, "=")
		col, field = strings.ToLower(strings.TrimSpace(col)), strings.ToLower(strings.TrimSpace(field))
		if !ok || col == "" {
			return nil, fmt.Errorf("%q is not col=field", pair)
		}
		if !IsField(field) && field != "created" && field != "consent" && field != "first" && field != "last" {
			return nil, fmt.Errorf("%q is not a field (fields are %s, first, last, created, consent)", field, strings.Join(FieldNames, ", "))
		}
		out[col] = field
	}
	return out, nil
}

// NewRowReader reads a contacts or customers file: vCard, or CSV in any of
// the known formats (format "" recognises it from the content; mapping
// reads any other CSV). The encoding (UTF-8 with or without BOM, UTF-16,
// Windows-1252) and the delimiter (comma, semicolon, tab) are recognised.
func NewRowReader(src io.Reader, format ImportFormat, mapping map[string]string) (RowReader, error) {
	br, enc, err := decodeInput(src)
	if err != nil {
		return nil, err
	}
	peek, _ := br.Peek(256)
	isVCard := strings.HasPrefix(strings.ToUpper(strings.TrimLeft(string(peek), "\ufeff \t\r\n")), "BEGIN:VCARD")
	if format == FormatVCard || (format == "" && mapping == nil && isVCard) {
		return &vcardRows{r: br, encoding: enc}, nil
	}
	comma, skipped := sniffComma(br)
	d := Dialect{Encoding: enc, Comma: comma}
	lim := &recordLimiter{r: br, limit: MaxImportRecordBytes}
	r := csv.NewReader(lim)
	r.Comma = d.Comma
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	header, err := r.Read()
	if errors.Is(err, errRecordTooLong) {
		return nil, tooLongError("first line")
	}
	if err != nil {
		return nil, &InputError{Reason: "the file has no CSV header line"}
	}
	header = append([]string(nil), header...)
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	hdr := newHeader(header)
	var f *csvFormat
	switch {
	case mapping != nil:
		f = mappedFormat(mapping)
	case format != "":
		if f = csvFormatNamed(format); f == nil {
			return nil, &InputError{Reason: fmt.Sprintf("unknown format %q (%s)", format, joinNames(ImportFormats, ", ")), Err: ErrUnknownFormat}
		}
	default:
		if f = detectCSV(hdr); f == nil {
			return nil, &UnknownFormatError{Guess: guessMapping(header), HeaderLooksLikeData: looksLikeData(header)}
		}
	}
	c := &csvRows{r: r, lim: lim, hdr: hdr, f: f, dialect: d, nextLine: 2 + skipped, skipped: skipped}
	if f.groupBy != "" {
		c.buyers = map[[16]byte]struct{}{}
	}
	return c, nil
}

// DetectFormat picks the format from a CSV header ("" when none fits).
func DetectFormat(header []string) ImportFormat {
	if f := detectCSV(newHeader(header)); f != nil {
		return f.name
	}
	return ""
}

// header finds columns by their lower-cased, trimmed names.
type header struct {
	names []string
	index map[string]int
}

func newHeader(cols []string) header {
	h := header{names: cols, index: map[string]int{}}
	for i, c := range cols {
		k := strings.ToLower(strings.TrimSpace(c))
		if _, dup := h.index[k]; !dup {
			h.index[k] = i
		}
	}
	return h
}

func (h header) has(cols ...string) bool {
	for _, c := range cols {
		if _, ok := h.index[c]; !ok {
			return false
		}
	}
	return true
}

// record is one CSV row read through its header.
type record struct {
	h    header
	vals []string
}

// get is the first non-empty value among the named columns.
func (r record) get(cols ...string) string {
	for _, c := range cols {
		if i, ok := r.h.index[c]; ok && i < len(r.vals) {
			if v := strings.TrimSpace(r.vals[i]); v != "" {
				return v
			}
		}
	}
	return ""
}

// csvRows reads CSV rows through a format's row builder.
type csvRows struct {
	r        *csv.Reader
	lim      *recordLimiter
	hdr      header
	f        *csvFormat
	dialect  Dialect
	nextLine int
	// skipped lines before the header ("sep=;") count in row numbers.
	skipped int
	// pending is an order row read ahead while merging line items, and
	// pendErr an error met there, given out after the order.
	pending *ImportRow
	pendKey string
	pendRow ImportRow
	pendErr error
	// buyers are the order formats' customers already given out (by email,
	// or phone and name), as truncated SHA-256 digests: 16 bytes a buyer
	// however long the address, and no plaintext kept for the import's
	// length.
	buyers map[[16]byte]struct{}
}

func (c *csvRows) Format() ImportFormat { return c.f.name }

// Describe says how each column is read.
func (c *csvRows) Describe() ImportSource {
	src := ImportSource{Format: c.f.name, Dialect: c.dialect.String()}
	for _, col := range c.hdr.names {
		src.Columns = append(src.Columns, ColumnUse{Column: col, Field: c.f.uses(strings.ToLower(strings.TrimSpace(col)))})
	}
	return src
}

// read is the next source row mapped to fields, or an error with its line.
func (c *csvRows) read() (ImportRow, error) {
	c.lim.reset()
	rec, err := c.r.Read()
	if err != nil {
		line := c.nextLine
		var pe *csv.ParseError
		switch {
		case errors.Is(err, io.EOF):
			return ImportRow{}, io.EOF
		case errors.Is(err, errRecordTooLong):
			return ImportRow{Line: line}, tooLongError("row")
		case errors.As(err, &pe):
			if errors.Is(pe.Err, errRecordTooLong) {
				return ImportRow{Line: pe.StartLine + c.skipped}, tooLongError("row")
			}
			c.nextLine = pe.Line + 1 + c.skipped
			return ImportRow{Line: pe.StartLine + c.skipped}, &InputError{Reason: "the CSV is malformed here (" + pe.Err.Error() + ")", Err: ErrMalformedRow}
		}
		return ImportRow{Line: line}, err
	}
	line, _ := c.r.FieldPos(0)
	last, _ := c.r.FieldPos(len(rec) - 1)
	c.nextLine = last + strings.Count(rec[len(rec)-1], "\n") + 1 + c.skipped
	row := ImportRow{Line: line + c.skipped, Fields: map[string]string{}}
	c.f.build(record{c.hdr, rec}, &row)
	for f, v := range row.Fields {
		if v == "" {
			delete(row.Fields, f)
		}
	}
	return row, nil
}

func (c *csvRows) Next() (ImportRow, error) {
	if c.f.groupBy == "" {
		return c.read()
	}
	// Order exports: a buyer's later orders add no customer.
	for {
		row, err := c.nextOrder()
		if err != nil {
			return row, err
		}
		if buyer := buyerKey(row.Fields); buyer != "" {
			digest := sha256.Sum256([]byte(buyer))
			key := [16]byte(digest[:16])
			if _, seen := c.buyers[key]; seen {
				continue
			}
			c.buyers[key] = struct{}{}
		}
		return row, nil
	}
}

// nextOrder reads one order: its consecutive rows (one per line item, the
// customer on the first) merged.
func (c *csvRows) nextOrder() (ImportRow, error) {
	if c.pendErr != nil {
		row, err := c.pendRow, c.pendErr
		c.pendErr = nil
		return row, err
	}
	var cur *ImportRow
	var curKey string
	if c.pending != nil {
		cur, curKey, c.pending = c.pending, c.pendKey, nil
	}
	for {
		row, err := c.read()
		if errors.Is(err, io.EOF) && cur != nil {
			return *cur, nil
		}
		if err != nil {
			if cur == nil {
				return row, err
			}
			c.pendRow, c.pendErr = row, err
			return *cur, nil
		}
		key := row.Fields[orderKeyField]
		delete(row.Fields, orderKeyField)
		switch {
		case cur == nil:
			cur, curKey = &row, key
		case key != "" && key == curKey:
			for f, v := range row.Fields {
				if cur.Fields[f] == "" {
					cur.Fields[f] = v
				}
			}
			cur.Consent = append(cur.Consent, row.Consent...)
			if row.Refused != nil {
				cur.Refused = row.Refused
			}
		default:
			c.pending, c.pendKey = &row, key
			return *cur, nil
		}
	}
}

// orderKeyField carries an order row's order number from the builder to
// the merge; it is never stored.
const orderKeyField = "\x00order"

// buyerKey identifies a buyer across orders: the email, else phone and name.
func buyerKey(f map[string]string) string {
	if e := f["email"]; e != "" {
		return "e:" + NormalizeEmail(e)
	}
	if f["phone"] != "" && f["name"] != "" {
		return "pn:" + f["phone"] + "\x00" + NormalizeName(f["name"])
	}
	return ""
}

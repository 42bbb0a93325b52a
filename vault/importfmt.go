package vault

import (
	"bufio"
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
}

// Import formats.
const (
	FormatNative      = "native"
	FormatShopify     = "shopify"
	FormatWooCommerce = "woocommerce"
	FormatVCard       = "vcard"
	FormatMapped      = "mapped"
)

// columnMaps map source column names (lower-cased) to vault fields, plus the
// pseudo-fields first/last (joined into name), created and consent.
var columnMaps = map[string]map[string]string{
	FormatNative: {
		"name": "name", "email": "email", "phone": "phone", "line1": "line1", "line2": "line2", "city": "city",
		"region": "region", "postcode": "postcode", "country": "country", "note": "note", "consent": "consent", "created": "created",
	},
	// Shopify's customers export (both the current column names and the
	// older "Default Address …" ones).
	FormatShopify: {
		"first name": "first", "last name": "last", "email": "email", "phone": "phone",
		"address1": "line1", "address2": "line2", "city": "city", "province code": "region", "province": "region",
		"zip": "postcode", "country code": "country", "note": "note",
		"default address address1": "line1", "default address address2": "line2", "default address city": "city",
		"default address province code": "region", "default address zip": "postcode", "default address country code": "country",
		"default address phone":   "phone",
		"accepts email marketing": "consent:marketing", "accepts marketing": "consent:marketing", "accepts sms marketing": "consent:sms",
	},
	// WooCommerce's customer export: shipping address preferred, billing as
	// the fallback (applied in order, later columns fill only empty fields).
	FormatWooCommerce: {
		"first_name": "first", "last_name": "last", "email": "email", "billing_email": "email",
		"shipping_first_name": "first", "shipping_last_name": "last",
		"shipping_address_1": "line1", "shipping_address_2": "line2", "shipping_city": "city", "shipping_state": "region",
		"shipping_postcode": "postcode", "shipping_country": "country", "shipping_phone": "phone",
		"billing_first_name": "first", "billing_last_name": "last", "billing_address_1": "line1", "billing_address_2": "line2",
		"billing_city": "city", "billing_state": "region", "billing_postcode": "postcode", "billing_country": "country",
		"billing_phone": "phone", "date_created": "created",
	},
}

// DetectFormat picks the format from a CSV header.
func DetectFormat(header []string) string {
	has := map[string]bool{}
	for _, h := range header {
		has[strings.ToLower(strings.TrimSpace(h))] = true
	}
	switch {
	case has["first name"] && has["last name"] && (has["province code"] || has["default address address1"] || has["accepts email marketing"] || has["accepts marketing"]):
		return FormatShopify
	case has["billing_address_1"] || has["shipping_address_1"] || has["billing_email"]:
		return FormatWooCommerce
	case has["name"] && (has["email"] || has["phone"]):
		return FormatNative
	}
	return ""
}

// ParseMapping parses --map "col=field,col2=field2".
func ParseMapping(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		col, field, ok := strings.Cut(pair, "=")
		col, field = strings.ToLower(strings.TrimSpace(col)), strings.ToLower(strings.TrimSpace(field))
		if !ok || col == "" {
			return nil, fmt.Errorf("--map: %q is not col=field", pair)
		}
		if !IsField(field) && field != "created" && field != "consent" && field != "first" && field != "last" {
			return nil, fmt.Errorf("--map: %q is not a field (fields are %s, created, consent)", field, strings.Join(FieldNames, ", "))
		}
		out[col] = field
	}
	return out, nil
}

// RowReader yields import rows one at a time: constant memory.
type RowReader interface {
	Next() (ImportRow, error) // io.EOF at the end
	Format() string
}

type csvRows struct {
	r       *csv.Reader
	cols    []string
	mapping map[string]string
	format  string
	line    int
}

// NewRowReader reads CSV (format "" detects it from the header, or vCard
// from its first line) or vCard.
func NewRowReader(src io.Reader, format string, mapping map[string]string) (RowReader, error) {
	br := bufio.NewReaderSize(src, 64*1024)
	peek, _ := br.Peek(64)
	if format == FormatVCard || (format == "" && strings.HasPrefix(strings.ToUpper(strings.TrimLeft(string(peek), "\ufeff \r\n")), "BEGIN:VCARD")) {
		return &vcardRows{s: bufio.NewScanner(br)}, nil
	}
	r := csv.NewReader(br)
	r.FieldsPerRecord = -1
	r.LazyQuotes = false
	header, err := r.Read()
	if err != nil {
		return nil, &InputError{Reason: "the file has no CSV header line"}
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	if mapping != nil {
		format = FormatMapped
	} else {
		if format == "" {
			format = DetectFormat(header)
		}
		if format == "" {
			return nil, &InputError{Reason: "cannot tell the CSV format from its header; pass --format native|shopify|woocommerce or --map col=field,…"}
		}
		m, ok := columnMaps[format]
		if !ok {
			return nil, &InputError{Reason: fmt.Sprintf("unknown format %q (native, shopify, woocommerce, vcard)", format)}
		}
		mapping = m
	}
	cols := make([]string, len(header))
	for i, h := range header {
		cols[i] = mapping[strings.ToLower(strings.TrimSpace(h))]
	}
	return &csvRows{r: r, cols: cols, mapping: mapping, format: format, line: 1}, nil
}

func (c *csvRows) Format() string { return c.format }

func (c *csvRows) Next() (ImportRow, error) {
	rec, err := c.r.Read()
	c.line++
	if err != nil {
		if errors.Is(err, io.EOF) {
			return ImportRow{}, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			c.line = pe.Line
			return ImportRow{Line: pe.Line}, &InputError{Reason: "the CSV is malformed here (" + pe.Err.Error() + ")"}
		}
		return ImportRow{Line: c.line}, err
	}
	line, _ := c.r.FieldPos(0)
	row := ImportRow{Line: line, Fields: map[string]string{}}
	var first, last string
	for i, val := range rec {
		if i >= len(c.cols) || c.cols[i] == "" {
			continue
		}
		val = strings.TrimSpace(val)
		switch f := c.cols[i]; {
		case f == "first":
			if first == "" {
				first = val
			}
		case f == "last":
			if last == "" {
				last = val
			}
		case f == "created":
			row.Created = val
		case f == "consent":
			for _, p := range strings.FieldsFunc(val, func(r rune) bool { return r == ';' || r == ',' || r == ' ' }) {
				row.Consent = append(row.Consent, strings.ToLower(p))
			}
		case strings.HasPrefix(f, "consent:"):
			if yes(val) {
				row.Consent = append(row.Consent, strings.TrimPrefix(f, "consent:"))
			}
		default:
			if row.Fields[f] == "" {
				row.Fields[f] = val
			}
		}
	}
	if _, ok := row.Fields["name"]; !ok {
		if n := strings.TrimSpace(first + " " + last); n != "" {
			row.Fields["name"] = n
		}
	}
	// Shopify writes phones as '+1…' so spreadsheets keep them as text.
	if p := row.Fields["phone"]; strings.HasPrefix(p, "'") {
		row.Fields["phone"] = strings.TrimPrefix(p, "'")
	}
	return row, nil
}

func yes(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "true", "1", "subscribed", "y":
		return true
	}
	return false
}

// vcardRows reads vCard 3.0/4.0 contacts (a phone's contacts export).
type vcardRows struct {
	s    *bufio.Scanner
	line int
	n    int
}

func (v *vcardRows) Format() string { return FormatVCard }

func (v *vcardRows) Next() (ImportRow, error) {
	var row ImportRow
	in := false
	var lines []string
	for v.s.Scan() {
		v.line++
		l := strings.TrimRight(v.s.Text(), "\r")
		if len(lines) > 0 && (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) {
			lines[len(lines)-1] += l[1:] // folded line
			continue
		}
		up := strings.ToUpper(strings.TrimSpace(l))
		switch {
		case up == "BEGIN:VCARD":
			in = true
			row = ImportRow{Line: v.line, Fields: map[string]string{}}
			lines = nil
		case up == "END:VCARD" && in:
			v.n++
			for _, cl := range lines {
				applyVCardLine(&row, cl)
			}
			return row, nil
		case in:
			lines = append(lines, l)
		}
	}
	if err := v.s.Err(); err != nil {
		return row, err
	}
	if in {
		return ImportRow{Line: row.Line}, &InputError{Reason: "the vCard file ends inside a card (no END:VCARD)"}
	}
	return row, io.EOF
}

func vcardUnescape(s string) string {
	r := strings.NewReplacer(`\n`, " ", `\N`, " ", `\,`, ",", `\;`, ";", `\\`, `\`)
	return r.Replace(s)
}

func applyVCardLine(row *ImportRow, line string) {
	name, val, ok := strings.Cut(line, ":")
	if !ok {
		return
	}
	prop := strings.ToUpper(name)
	if i := strings.IndexByte(prop, ';'); i >= 0 {
		prop = prop[:i]
	}
	if i := strings.IndexByte(prop, '.'); i >= 0 { // item1.TEL
		prop = prop[i+1:]
	}
	set := func(f, v string) {
		if row.Fields[f] == "" && strings.TrimSpace(v) != "" {
			row.Fields[f] = strings.TrimSpace(vcardUnescape(v))
		}
	}
	switch prop {
	case "FN":
		set("name", val)
	case "N":
		if row.Fields["name"] == "" {
			parts := strings.Split(val, ";")
			if len(parts) >= 2 {
				set("name", strings.TrimSpace(parts[1]+" "+parts[0]))
			}
		}
	case "TEL":
		set("phone", strings.TrimPrefix(val, "tel:"))
	case "EMAIL":
		set("email", val)
	case "NOTE":
		set("note", val)
	case "ADR":
		p := strings.Split(val, ";")
		for len(p) < 7 {
			p = append(p, "")
		}
		set("line2", p[1])
		set("line1", p[2])
		set("city", p[3])
		set("region", p[4])
		set("postcode", p[5])
		set("country", p[6])
	}
}

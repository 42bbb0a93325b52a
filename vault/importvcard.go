package vault

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"mime/quotedprintable"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// vcardRows reads vCard 2.1, 3.0 and 4.0 contacts (a phone's or a mail
// program's contacts export), one card per row.
type vcardRows struct {
	r        *bufio.Reader
	encoding string
	// read counts the physical lines read; line is the number of the
	// logical line last returned.
	read, line int
	// peeked is a physical line read ahead while unfolding.
	peeked     []byte
	peekedLine int
	hasPeeked  bool
}

func (v *vcardRows) Format() ImportFormat { return FormatVCard }

// Describe says how cards are read.
func (v *vcardRows) Describe() ImportSource {
	return ImportSource{Format: FormatVCard, Dialect: v.encoding, Columns: []ColumnUse{
		{Column: "FN (or N)", Field: "name"}, {Column: "TEL (mobile first)", Field: "phone"}, {Column: "EMAIL (preferred first)", Field: "email"},
		{Column: "ADR (home first)", Field: "line1, line2, city, region, postcode, country"}, {Column: "NOTE", Field: "note"},
	}}
}

// vcardProp is one property of a card, unfolded and decoded.
type vcardProp struct {
	group string // item1 in item1.TEL (Apple's way to label a value)
	name  string // upper case: TEL, EMAIL, ADR, …
	types map[string]bool
	pref  bool
	value string // decoded, still escaped
}

// binaryProps are skipped without being kept in memory: a contact photo
// can be most of an export.
var binaryProps = map[string]bool{"PHOTO": true, "LOGO": true, "SOUND": true, "KEY": true}

// physicalLine reads one line of at most MaxImportRecordBytes, without its
// line ending, and its number.
func (v *vcardRows) physicalLine() ([]byte, int, error) {
	if v.hasPeeked {
		v.hasPeeked = false
		return v.peeked, v.peekedLine, nil
	}
	var line []byte
	for {
		chunk, err := v.r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > MaxImportRecordBytes {
			return nil, v.read + 1, errRecordTooLong
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && (len(line) == 0 || !errors.Is(err, io.EOF)) {
			return nil, v.read + 1, err
		}
		v.read++
		return bytes.TrimRight(line, "\r\n"), v.read, nil
	}
}

// logicalLine reads one property line: folded continuation lines (starting
// with a space or tab) and quoted-printable soft line breaks joined.
func (v *vcardRows) logicalLine() (string, error) {
	first, n, err := v.physicalLine()
	v.line = n
	if err != nil {
		return "", err
	}
	line := append([]byte(nil), first...)
	skip := binaryProps[propName(line)]
	qp := bytes.Contains(bytes.ToUpper(propHead(line)), []byte("QUOTED-PRINTABLE"))
read:
	for {
		next, n, err := v.physicalLine()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			v.line = n
			return "", err
		}
		switch {
		case qp && bytes.HasSuffix(line, []byte("=")): // a quoted-printable soft line break
			line = append(line, '\n')
			line = append(line, next...)
		case len(next) == 0 || (next[0] != ' ' && next[0] != '\t'): // the next property
			v.peeked, v.peekedLine, v.hasPeeked = append(v.peeked[:0], next...), n, true
			break read
		case !skip: // a folded continuation
			line = append(line, next[1:]...)
		}
		if len(line) > MaxImportRecordBytes {
			return "", errRecordTooLong
		}
	}
	return string(line), nil
}

// propHead is the part of a property line before its value.
func propHead(line []byte) []byte {
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		return line[:i]
	}
	return line
}

// propName is the property's name without group or parameters.
func propName(line []byte) string {
	head := propHead(line)
	if i := bytes.IndexByte(head, ';'); i >= 0 {
		head = head[:i]
	}
	if i := bytes.LastIndexByte(head, '.'); i >= 0 {
		head = head[i+1:]
	}
	return strings.ToUpper(string(bytes.TrimSpace(head)))
}

func (v *vcardRows) Next() (ImportRow, error) {
	var props []vcardProp
	in, start, size := false, 0, 0
	for {
		l, err := v.logicalLine()
		if errors.Is(err, errRecordTooLong) {
			return ImportRow{Line: v.line}, tooLongError("vCard line")
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return ImportRow{Line: v.line}, err
			}
			if in {
				return ImportRow{Line: start}, &InputError{Reason: "the vCard file ends inside a card (no END:VCARD)"}
			}
			return ImportRow{}, io.EOF
		}
		up := strings.ToUpper(strings.TrimSpace(l))
		switch {
		case up == "BEGIN:VCARD":
			in, start, size, props = true, v.line, 0, nil
		case up == "END:VCARD" && in:
			return vcardRow(start, props), nil
		case in:
			size += len(l)
			if size > MaxImportRecordBytes {
				return ImportRow{Line: start}, tooLongError("vCard")
			}
			if p, ok := parseVCardProp(l); ok {
				props = append(props, p)
			}
		case strings.TrimSpace(l) != "":
			return ImportRow{Line: v.line}, &InputError{Reason: "this is not part of a vCard (expected BEGIN:VCARD)"}
		}
	}
}

// parseVCardProp splits "group.NAME;PARAM=x;TYPE=a,b:value" and decodes
// the value (quoted-printable, charset).
func parseVCardProp(line string) (vcardProp, bool) {
	head, value, ok := strings.Cut(line, ":")
	if !ok {
		return vcardProp{}, false
	}
	params := splitUnquoted(head, ';')
	p := vcardProp{types: map[string]bool{}}
	p.name = strings.ToUpper(strings.TrimSpace(params[0]))
	if g, n, ok := strings.Cut(p.name, "."); ok {
		p.group, p.name = strings.ToLower(g), n
	}
	if binaryProps[p.name] {
		return vcardProp{}, false
	}
	var enc, charset string
	for _, param := range params[1:] {
		k, val, hasVal := strings.Cut(param, "=")
		k = strings.ToUpper(strings.TrimSpace(k))
		val = strings.Trim(strings.TrimSpace(val), `"`)
		switch {
		case !hasVal: // vCard 2.1: TEL;CELL;PREF, or ;QUOTED-PRINTABLE
			switch k {
			case "QUOTED-PRINTABLE", "BASE64", "B":
				enc = k
			default:
				p.types[strings.ToLower(k)] = true
			}
		case k == "TYPE":
			for _, t := range strings.Split(val, ",") {
				p.types[strings.ToLower(strings.TrimSpace(t))] = true
			}
		case k == "PREF":
			p.pref = true
		case k == "ENCODING":
			enc = strings.ToUpper(val)
		case k == "CHARSET":
			charset = val
		}
	}
	if p.types["pref"] {
		p.pref = true
	}
	if enc == "BASE64" || enc == "B" {
		return vcardProp{}, false
	}
	raw := []byte(value)
	if enc == "QUOTED-PRINTABLE" {
		dec, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(strings.ReplaceAll(value, "=\n", "=\r\n"))))
		if err != nil {
			return vcardProp{}, false
		}
		raw = dec
	}
	p.value = decodeCharset(raw, charset)
	return p, true
}

// decodeCharset turns a value in the named charset into UTF-8. Without a
// charset, UTF-8 is assumed, and bytes that are not UTF-8 are read as
// Windows-1252 (older desktop programs).
func decodeCharset(b []byte, charset string) string {
	if charset != "" && !strings.EqualFold(charset, "utf-8") {
		if enc := charsetEncoding(charset); enc != nil {
			if out, err := enc.NewDecoder().Bytes(b); err == nil {
				return string(out)
			}
		}
	}
	if utf8.Valid(b) {
		return string(b)
	}
	out, _ := charmap.Windows1252.NewDecoder().Bytes(b)
	return string(out)
}

// charsetEncoding finds a vCard CHARSET: the single-byte ones by their
// names in x/text's charmap, the East Asian ones phones use by name. (Not
// x/text's htmlindex, whose initialisation every command would pay.)
func charsetEncoding(name string) encoding.Encoding {
	fold := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r == ' ' || r == '-' || r == '_' {
				return -1
			}
			return r
		}, strings.ToLower(s))
	}
	key := fold(name)
	switch key {
	case "latin1", "iso88591", "cp1252", "windows1252", "usascii", "ascii":
		return charmap.Windows1252 // what ISO-8859-1 labels mean in practice
	case "shiftjis", "sjis", "windows31j", "cp932":
		return japanese.ShiftJIS
	case "eucjp":
		return japanese.EUCJP
	case "iso2022jp":
		return japanese.ISO2022JP
	case "gb2312", "gbk", "cp936":
		return simplifiedchinese.GBK
	case "gb18030":
		return simplifiedchinese.GB18030
	case "big5":
		return traditionalchinese.Big5
	case "euckr", "cp949":
		return korean.EUCKR
	}
	for _, e := range charmap.All {
		if cm, ok := e.(*charmap.Charmap); ok && fold(cm.String()) == key {
			return cm
		}
	}
	return nil
}

// splitUnquoted splits s at sep outside double quotes.
func splitUnquoted(s string, sep byte) []string {
	var out []string
	quoted, from := false, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case sep:
			if !quoted {
				out = append(out, s[from:i])
				from = i + 1
			}
		}
	}
	return append(out, s[from:])
}

// splitEscaped splits a structured value (N, ADR) at unescaped separators
// and unescapes each component.
func splitEscaped(s string, sep byte) []string {
	var out []string
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			i++
			switch s[i] {
			case 'n', 'N':
				b.WriteByte(' ')
			default:
				b.WriteByte(s[i])
			}
		case s[i] == sep:
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteByte(s[i])
		}
	}
	return append(out, b.String())
}

func vcardText(s string) string {
	return strings.Join(strings.Fields(splitEscaped(s, 0)[0]), " ")
}

// vcardRow turns a card's properties into a row: the formatted name (or
// the structured one), a mobile number first (deliveries are arranged by
// phone), a home address first, the preferred email.
func vcardRow(line int, props []vcardProp) ImportRow {
	// Apple labels a value through a grouped X-ABLabel (item1.X-ABLabel:
	// _$!<Mobile>!$_): its label joins the value's types.
	labels := map[string]string{}
	for _, p := range props {
		if p.name == "X-ABLABEL" && p.group != "" {
			l := strings.ToLower(strings.Trim(vcardText(p.value), "_$!<>"))
			labels[p.group] = l
		}
	}
	row := ImportRow{Line: line, Fields: map[string]string{}}
	var structured string // from N, used when FN is missing or empty
	var tel, email, adr *vcardProp
	var telRank, emailRank, adrRank int
	for i := range props {
		p := &props[i]
		if l, ok := labels[p.group]; ok && p.group != "" {
			p.types[l] = true
		}
		switch p.name {
		case "FN":
			if row.Fields["name"] == "" {
				row.Fields["name"] = vcardText(p.value)
			}
		case "N":
			n := splitEscaped(p.value, ';')
			for len(n) < 3 {
				n = append(n, "")
			}
			structured = strings.Join(strings.Fields(n[1]+" "+n[2]+" "+n[0]), " ")
		case "TEL":
			if r := vcardRank(p, "cell", "mobile", "iphone"); tel == nil || r < telRank {
				tel, telRank = p, r
			}
		case "EMAIL":
			if r := vcardRank(p, "", "", ""); email == nil || r < emailRank {
				email, emailRank = p, r
			}
		case "ADR":
			if r := vcardRank(p, "home", "", ""); adr == nil || r < adrRank {
				adr, adrRank = p, r
			}
		case "NOTE":
			row.Fields["note"] = vcardText(p.value)
		}
	}
	if row.Fields["name"] == "" {
		row.Fields["name"] = structured
	}
	if tel != nil {
		v := strings.TrimSpace(splitEscaped(tel.value, 0)[0])
		row.Fields["phone"] = strings.TrimPrefix(v, "tel:")
	}
	if email != nil {
		row.Fields["email"] = strings.TrimPrefix(vcardText(email.value), "mailto:")
	}
	if adr != nil {
		// ADR: PO box; extended address; street; locality; region; postcode; country.
		a := splitEscaped(adr.value, ';')
		for len(a) < 7 {
			a = append(a, "")
		}
		clean := func(s string) string { return strings.Join(strings.Fields(s), " ") }
		row.Fields["line1"] = clean(a[2])
		row.Fields["line2"] = clean(strings.TrimSpace(a[1] + " " + a[0]))
		row.Fields["city"] = clean(a[3])
		row.Fields["region"] = clean(a[4])
		row.Fields["postcode"] = clean(a[5])
		row.Fields["country"] = clean(a[6])
	}
	return row
}

// vcardRank orders a property's values: the wanted types first, then the
// preferred one, then the rest in file order.
func vcardRank(p *vcardProp, want ...string) int {
	for _, w := range want {
		if w != "" && p.types[w] {
			if p.pref {
				return 0
			}
			return 1
		}
	}
	if p.pref {
		return 2
	}
	return 3
}

package export

import (
	"fmt"
	"io"
	"strings"
)

// ZPLField escapes a value for a ^FH field: every byte outside a small safe
// set is written as _XX hex, so a customer field holding ^ or ~ (ZPL's
// command prefixes) or a newline can never start a printer command.
func ZPLField(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == ' ', c == '.', c == ',', c == '-', c == '/', c == '#', c == '(', c == ')', c == '\'', c == '+', c == '&', c == ':':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "_%02X", c)
		}
	}
	return b.String()
}

// WriteZPL writes one ^XA … ^XZ block per label for a 4x6 in label at
// 203 dpi (812 x 1218 dots), UTF-8 (^CI28), with the alias as a Code 128
// barcode.
func WriteZPL(w io.Writer, labels []Label) error {
	for _, l := range labels {
		var b strings.Builder
		b.WriteString("^XA\n^CI28\n^PW812\n^LL1218\n")
		y := 40
		field := func(size int, text string) {
			fmt.Fprintf(&b, "^FO40,%d^A0N,%d,%d^FH_^FD%s^FS\n", y, size, size, ZPLField(text))
			y += size + 14
		}
		if l.From != "" {
			field(28, "From: "+l.From)
		}
		field(110, l.Alias)
		fmt.Fprintf(&b, "^FO40,%d^BY3^BCN,140,N,N,N^FH_^FD%s^FS\n", y, ZPLField(l.Alias))
		y += 180
		field(36, "SHIP TO")
		field(60, l.Recipient)
		for _, line := range l.Lines {
			field(48, line)
		}
		if l.Phone != "" {
			field(44, "Tel "+l.Phone)
		}
		if l.Ref != "" {
			y += 20
			field(40, "Order "+l.Ref)
		}
		b.WriteString("^XZ\n")
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	return nil
}

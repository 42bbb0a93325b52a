// Package export renders plain Go values the vault hands it to an io.Writer:
// shipping labels (PDF, ZPL, text), courier manifests, CSV exports, subject
// access exports, the privacy notice and the recovery sheet. It never opens
// the vault.
package export

import (
	"fmt"
	"io"
	"strings"
	"unicode"
)

// Label is what one shipping label shows. The caller decides how much of the
// name and whether the phone go on it; defaults minimise.
type Label struct {
	Alias     string // formatted alias, printed large and as a barcode
	Recipient string // first name by default, whole name with --full-name
	Lines     []string
	Phone     string // only with --phone
	Ref       string // order reference
	From      string // shop name, optional
}

// LabelFromFields builds a label from shipping fields.
func LabelFromFields(alias string, f map[string]string, fullName, phone bool, ref, from string) Label {
	l := Label{Alias: alias, Ref: ref, From: from}
	l.Recipient = f["name"]
	if !fullName {
		l.Recipient = FirstName(f["name"])
	}
	for _, k := range []string{"line1", "line2"} {
		if f[k] != "" {
			l.Lines = append(l.Lines, f[k])
		}
	}
	city := strings.TrimSpace(strings.Join(nonEmpty(f["city"], f["region"], f["postcode"]), " "))
	if city != "" {
		l.Lines = append(l.Lines, city)
	}
	if f["country"] != "" {
		l.Lines = append(l.Lines, CountryName(f["country"]))
	}
	if phone {
		l.Phone = f["phone"]
	}
	return l
}

func nonEmpty(xs ...string) []string {
	var out []string
	for _, x := range xs {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// FirstName is the first word of a name: what a courier needs to ask for
// the parcel's recipient at the door. A name written without spaces (common
// in CJK scripts) is one word and printed whole.
func FirstName(name string) string {
	f := strings.FieldsFunc(name, unicode.IsSpace)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// WriteTextLabels writes labels as plain text, one block per label,
// separated by a form feed.
func WriteTextLabels(w io.Writer, labels []Label) error {
	for i, l := range labels {
		if i > 0 {
			if _, err := io.WriteString(w, "\f\n"); err != nil {
				return err
			}
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s\n", l.Alias)
		if l.From != "" {
			fmt.Fprintf(&b, "from: %s\n", printable(l.From))
		}
		fmt.Fprintf(&b, "to: %s\n", printable(l.Recipient))
		for _, line := range l.Lines {
			fmt.Fprintf(&b, "    %s\n", printable(line))
		}
		if l.Phone != "" {
			fmt.Fprintf(&b, "phone: %s\n", l.Phone)
		}
		if l.Ref != "" {
			fmt.Fprintf(&b, "order: %s\n", printable(l.Ref))
		}
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	return nil
}

// printable drops control characters so a stored value cannot drive a
// terminal or printer through a text label.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return -1
		}
		return r
	}, s)
}

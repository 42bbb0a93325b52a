package vault

import (
	"net/mail"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shopvault/shopvault/vault/internal/phone"
	"golang.org/x/text/unicode/norm"
)

// Limits keep one record from swallowing the vault; a note longer than this
// is almost always a pasted chat, not a delivery note.
var fieldMaxRunes = map[string]int{
	"name": 200, "email": 254, "phone": 40, "line1": 200, "line2": 200,
	"city": 100, "region": 100, "postcode": 20, "country": 2, "note": 2000,
}

// NormalizeFields validates a set of field values as typed by a person or a
// script and returns them as stored: trimmed, NFC, phone in E.164 (using the
// record's country as default region), country upper-case. Empty values are
// dropped. It refuses what the sensitive-data guard finds (cards, bank
// details, national IDs, passports, passwords) in any field.
// defaultCountry is used for the phone when fields has no country (the
// record's stored country, or the vault's default).
func NormalizeFields(fields map[string]string, defaultCountry string) (map[string]string, error) {
	out := make(map[string]string, len(fields))
	for _, name := range sortedKeys(fields) {
		val := fields[name]
		if !IsField(name) {
			return nil, &InputError{Field: name, Reason: "unknown field (fields are " + strings.Join(FieldNames, ", ") + ")"}
		}
		if !utf8.ValidString(val) {
			return nil, &InputError{Field: name, Reason: "is not valid UTF-8 text"}
		}
		val = norm.NFC.String(strings.TrimSpace(val))
		if val == "" {
			continue
		}
		if name == "country" {
			code, ok := CountryCode(val)
			if !ok {
				return nil, &InputError{Field: "country", Reason: "is not a country (give an ISO code such as NG, GB, DE, or a name such as Nigeria or Deutschland)"}
			}
			val = code
		}
		if err := checkText(name, val); err != nil {
			return nil, err
		}
		if n := utf8.RuneCountInString(val); n > fieldMaxRunes[name] {
			return nil, &InputError{Field: name, Reason: "is too long (" + strconv.Itoa(n) + " characters, at most " + strconv.Itoa(fieldMaxRunes[name]) + ")"}
		}
		if err := refuseSensitive(name, val); err != nil {
			return nil, err
		}
		out[name] = val
	}
	if e, ok := out["email"]; ok {
		if err := validEmail(e); err != nil {
			return nil, err
		}
	}
	if p, ok := out["phone"]; ok {
		country := out["country"]
		if country == "" {
			country = defaultCountry
		}
		e164, err := NormalizePhone(p, country)
		if err != nil {
			return nil, err
		}
		out["phone"] = e164
	}
	return out, nil
}

// checkText refuses control characters and the invisible bidi overrides that
// make a name display differently from what it is.
func checkText(field, val string) error {
	for _, r := range val {
		switch {
		case r == '\n' && field == "note":
		case unicode.Is(unicode.Bidi_Control, r) || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069):
			return &InputError{Field: field, Reason: "contains invisible text-direction control characters"}
		case unicode.IsControl(r):
			return &InputError{Field: field, Reason: "contains control characters"}
		}
	}
	return nil
}

func validCountry(c string) bool {
	if len(c) != 2 {
		return false
	}
	return phone.CallingCode(c) != 0
}

func validEmail(e string) error {
	addr, err := mail.ParseAddress(e)
	if err != nil || addr.Address != e || addr.Name != "" {
		return &InputError{Field: "email", Reason: "is not an email address (want name@example.com)"}
	}
	at := strings.LastIndexByte(e, '@')
	if at < 1 || !strings.Contains(e[at+1:], ".") {
		return &InputError{Field: "email", Reason: "is not an email address (want name@example.com)"}
	}
	return nil
}

// NormalizeEmail is the form emails are matched in: case-insensitive.
func NormalizeEmail(e string) string { return strings.ToLower(norm.NFC.String(strings.TrimSpace(e))) }

// NormalizePhone parses a phone as typed, with country as the default region
// for national formats, and returns E.164. It checks that the number is
// possible (right length for its country), not that libphonenumber's
// current range tables list it: new number ranges appear faster than any
// copy of those tables, and refusing a real customer's phone loses data.
func NormalizePhone(p, country string) (string, error) {
	p = strings.TrimSpace(p)
	if strings.HasPrefix(p, "00") {
		p = "+" + p[2:]
	}
	if !strings.HasPrefix(p, "+") && !strings.HasPrefix(p, "00") && country == "" {
		return "", ErrNoCountry
	}
	e164, err := phone.E164(p, strings.ToUpper(country))
	if err != nil {
		return "", &InputError{Field: "phone", Reason: "is not a phone number for " + countryOrIntl(country)}
	}
	return e164, nil
}

func countryOrIntl(c string) string {
	if c == "" {
		return "international dialling (+CC…)"
	}
	return c
}

// NormalizeName is the form names are matched in: compatibility-decomposed,
// accents dropped, case folded, spaces collapsed; so "ADEBAYO oladipo"
// finds "Adébáyọ̀ Ọládípọ̀".
func NormalizeName(n string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFKD.String(n) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsSpace(r) || r == '-' || r == '.' || r == ',':
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteString(strings.ToLower(string(r)))
	}
	return b.String()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for _, f := range FieldNames {
		if _, ok := m[f]; ok {
			keys = append(keys, f)
		}
	}
	for k := range m {
		if !IsField(k) {
			keys = append(keys, k)
		}
	}
	return keys
}

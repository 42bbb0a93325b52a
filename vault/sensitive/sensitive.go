// Package sensitive finds data a small shop must not keep next to a
// delivery address: payment cards, bank details, national ID numbers,
// passports and passwords. It is built the way PII scanners such as
// Presidio and Cloud DLP are: a candidate pattern, a validator (check
// digits, issuer ranges, date rules) and context words that make a weak
// pattern count or a look-alike pass. It reads plain strings and never
// returns the value it found, so nothing it reports can leak it.
package sensitive

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Category names one kind of data the vault does not keep. The string is
// stable: it appears in scan output, --json and import reports.
type Category string

// Categories.
const (
	CardNumber       Category = "card_number"
	CardSecurityCode Category = "card_security_code"
	BankAccount      Category = "bank_account"
	IBAN             Category = "iban"
	USSSN            Category = "us_ssn"
	UKNINO           Category = "uk_nino"
	NGNIN            Category = "ng_nin"
	NGBVN            Category = "ng_bvn"
	INAadhaar        Category = "in_aadhaar"
	ZAID             Category = "za_id"
	BRCPF            Category = "br_cpf"
	ESDNI            Category = "es_dni"
	NationalID       Category = "national_id"
	Passport         Category = "passport"
	Password         Category = "password"
)

// Categories lists every category, in the order the README documents them.
var Categories = []Category{
	CardNumber, CardSecurityCode, BankAccount, IBAN, USSSN, UKNINO, NGNIN, NGBVN,
	INAadhaar, ZAID, BRCPF, ESDNI, NationalID, Passport, Password,
}

var describe = map[Category]string{
	CardNumber:       "a payment card number",
	CardSecurityCode: "a card security code (CVV)",
	BankAccount:      "a bank account number",
	IBAN:             "an IBAN (bank account)",
	USSSN:            "a US social security number",
	UKNINO:           "a UK National Insurance number",
	NGNIN:            "a Nigerian National Identification Number (NIN)",
	NGBVN:            "a Nigerian Bank Verification Number (BVN)",
	INAadhaar:        "an Aadhaar number",
	ZAID:             "a South African ID number",
	BRCPF:            "a Brazilian CPF number",
	ESDNI:            "a Spanish DNI/NIE number",
	NationalID:       "a national ID number",
	Passport:         "a passport number",
	Password:         "a password or PIN",
	EmailAddress:     "an email address",
	PhoneNumber:      "a phone number",
}

// Describe is the category in words, for messages ("a payment card number").
func (c Category) Describe() string {
	if d, ok := describe[c]; ok {
		return d
	}
	return string(c)
}

// Finding is one value the guard refuses. Start and End are byte offsets
// into the text given to Detect, so a caller can cut the value out; the
// value itself is never part of a Finding.
type Finding struct {
	Category   Category
	Start, End int
}

// Detect returns what in text the vault must not keep, in text order. field
// is the name of the field the text came from ("phone" values are phone
// numbers, so bare digit runs there count as phones); "" for free text.
func Detect(text, field string) []Finding {
	if !worthScanning(text, field) {
		return nil
	}
	f := fold(text)
	cues := findCues(f.s)
	var found []Finding
	add := func(c Category, start, end int) {
		found = append(found, Finding{Category: c, Start: f.at(start), End: f.at(end)})
	}
	// Values with letters first: where a DNI's digits also read as a
	// number, the overlap goes to the more specific finding.
	for _, h := range findAlnum(f.s, cues) {
		add(h.c, h.start, h.end)
	}
	for _, h := range findSecrets(f.s, cues) {
		add(h.c, h.start, h.end)
	}
	runs := findRuns(f.s, cues)
	for _, r := range runs {
		if c := classifyRun(f.s, r, cues, runs, field); c != "" {
			add(c, r.start, r.end)
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].Start < found[j].Start })
	return dedupe(found)
}

// Categories found, each once, in text order.
func CategoriesOf(fs []Finding) []Category {
	var out []Category
	seen := map[Category]bool{}
	for _, f := range fs {
		if !seen[f.Category] {
			seen[f.Category] = true
			out = append(out, f.Category)
		}
	}
	return out
}

// dedupe drops findings that overlap an earlier one (one value, one category).
func dedupe(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if n := len(out); n > 0 && f.Start < out[n-1].End {
			continue
		}
		out = append(out, f)
	}
	return out
}

// worthScanning skips text that cannot hold anything the guard looks for:
// fewer than three digits, no letter sequence a password cue starts with
// and no "<<" of a passport's machine-readable zone; and, in a phone
// field, text made only of a phone's characters.
// Most names, streets and phones stop here (the hot path of a large import).
func worthScanning(text, field string) bool {
	digits := 0
	phoneChars := true
	for _, r := range text {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r >= utf8.RuneSelf && unicode.IsNumber(r):
			digits++
			phoneChars = false
		case r >= 0xFF00 && r <= 0xFFEF:
			return true // fullwidth forms: fold and look
		case r == ' ' || r == '+' || r == '-' || r == '(' || r == ')' || r == '.' || r == '/':
		default:
			phoneChars = false
		}
	}
	if field == "phone" && phoneChars {
		return false
	}
	return digits >= 3 || hasSecretStem(text) || strings.Contains(text, "<<") // a passport's machine-readable zone
}

// secretStems start the words that may name a password without any digit
// in the text ("password: sunflower"); matched ignoring ASCII case.
var secretStems = []string{"pass", "pw", "senha", "contrase", "clave", "kennwort", "mdp", "mot de"}

func hasSecretStem(text string) bool {
	for i := 0; i < len(text); i++ {
		c := text[i] | 0x20
		if c != 'p' && c != 's' && c != 'c' && c != 'k' && c != 'm' {
			continue
		}
		for _, stem := range secretStems {
			if len(text)-i >= len(stem) && strings.EqualFold(text[i:i+len(stem)], stem) {
				return true
			}
		}
	}
	return false
}

package sensitive

import (
	"sort"
	"strings"
)

// Contact details. They are no category of Detect: a customer's own email
// and phone are sealed in their record, where delivery needs them. Text the
// vault keeps in plaintext (reasons, hold reasons, alias notes, courier
// names, order refs) must not hold them, because plaintext metadata
// outlives forget and is shown to every role.
const (
	EmailAddress Category = "email_address"
	PhoneNumber  Category = "phone_number"
)

// DetectContact returns the email addresses and phone numbers in text, in
// text order, never their values. field is the field the text came from:
// in "ref" (an order or tracking number) a bare digit run is the reference
// itself, and only a number written "+…" or named as a phone counts.
//
// A phone number is a digit run of 7 to 15 digits written "+…" or
// "00…", or one that reads as a valid number of some country and is
// written the way people write phones: with a trunk 0, in groups, or after
// a word such as "call" or "tel". Dates, amounts, and runs glued to a code
// ("ORD-5000", "#1001", "INV-2026-00042") or named as an order, invoice,
// tracking number or IMEI pass.
func DetectContact(text, field string) []Finding {
	if !strings.ContainsAny(text, "@＠﹫") && !mayHoldPhone(text) {
		return nil
	}
	f := fold(text)
	var found []Finding
	emails := findEmails(f.s)
	for _, e := range emails {
		found = append(found, Finding{Category: EmailAddress, Start: f.at(e.start), End: f.at(e.end)})
	}
	for _, p := range findPhones(f.s, field) {
		if !overlaps(emails, p) {
			found = append(found, Finding{Category: PhoneNumber, Start: f.at(p.start), End: f.at(p.end)})
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].Start < found[j].Start })
	return dedupe(found)
}

// mayHoldPhone: at least seven digits (counting every non-ASCII character,
// which may be another script's digit), the fewest a phone number has; most
// reasons and notes stop here.
func mayHoldPhone(text string) bool {
	digits := 0
	for _, r := range text {
		if r >= '0' && r <= '9' || r >= 0x80 {
			digits++
		}
	}
	return digits >= minPhoneDigits
}

func overlaps(spans []span, s span) bool {
	for _, o := range spans {
		if s.start < o.end && o.start < s.end {
			return true
		}
	}
	return false
}

// findEmails finds local@domain.tld in folded text.
func findEmails(s string) []span {
	var out []span
	for i := 0; i < len(s); i++ {
		if s[i] != '@' {
			continue
		}
		start := i
		for start > 0 && (isAlnum(s[start-1]) || strings.IndexByte("._%+-'", s[start-1]) >= 0) {
			start--
		}
		for start < i && !isAlnum(s[start]) {
			start++
		}
		end := i + 1
		for end < len(s) && (isAlnum(s[end]) || s[end] == '.' || s[end] == '-') {
			end++
		}
		for end > i+1 && (s[end-1] == '.' || s[end-1] == '-') {
			end--
		}
		dot := strings.LastIndexByte(s[i+1:end], '.')
		if start == i || dot <= 0 || !topLevel(s[i+2+dot:end]) {
			continue
		}
		out = append(out, span{start, end})
		i = end - 1
	}
	return out
}

// topLevel: a top-level domain is two or more letters.
func topLevel(s string) bool {
	if len(s) < 2 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) {
			return false
		}
	}
	return true
}

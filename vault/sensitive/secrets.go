package sensitive

import (
	"regexp"
	"strings"
	"sync"
)

type hit struct {
	c          Category
	start, end int
}

// fillers may stand between a context word and its value: "PIN is 4521",
// "password: x", "passport no. A123", "mot de passe est x".
var fillers = map[string]bool{
	"is": true, "was": true, "are": true, "no": true, "nr": true, "num": true, "number": true, "code": true,
	"n": true, "o": true, "est": true, "e": true, "es": true, "ist": true, "eh": true, "de": true, "do": true, "da": true,
	"del": true, "der": true, "die": true, "das": true, "its": true, "it": true, "s": true, "my": true, "our": true,
	"the": true, "her": true, "his": true, "their": true, "mon": true, "ma": true, "meu": true, "minha": true, "mi": true,
	"su": true, "sein": true, "ihr": true, "le": true, "la": true, "el": true,
	// what the secret is for: "password for gmail: x", "PIN do cartão 1234"
	"for": true, "to": true, "of": true, "des": true, "du": true, "card": true, "cartao": true, "carte": true,
	"tarjeta": true, "karte": true, "bank": true, "banco": true, "banque": true, "email": true, "mail": true,
	"gmail": true, "wifi": true, "account": true, "app": true, "online": true, "banking": true, "phone": true,
	"laptop": true, "atm": true,
}

// linking words count as a separator: after "password is" any value is one.
var linking = map[string]bool{"is": true, "was": true, "are": true, "est": true, "e": true, "es": true, "ist": true, "eh": true}

// valueAfter finds the value a context word introduces, skipping
// punctuation and a few filler words. sep says whether a ':' '=' or a
// linking verb stood between them.
func valueAfter(s string, p int) (start, end int, sep bool) {
	for words := 0; p < len(s) && words <= 4; {
		switch c := s[p]; {
		case c == ' ' || c == '-' || c == '#' || c == '.' || c == '(' || c == '"' || c == '\'' || c == '*':
			p++
			continue
		case c == ':' || c == '=':
			sep = true
			p++
			continue
		}
		e := p
		for e < len(s) && s[e] != ' ' && s[e] != ',' && s[e] != ';' && s[e] != ')' && s[e] != '"' {
			e++
		}
		w := strings.TrimRight(s[p:e], ".:!?'")
		if fillers[w] && e < len(s) {
			sep = sep || linking[w] || strings.HasSuffix(s[p:e], ":")
			words++
			p = e
			continue
		}
		return p, p + len(w), sep
	}
	return p, p, sep
}

// gateBefore: "gate PIN", "estate security code", "door passcode" open a
// gate, and a courier needs them.
func gateBefore(cues []cueHit, h cueHit) bool {
	for _, g := range cues {
		if g.c == cueGate && g.end <= h.start && h.start-g.end <= 12 {
			return true
		}
	}
	return false
}

func gateNear(cues []cueHit, h cueHit) bool {
	for _, g := range cues {
		if g.c == cueGate && g.start >= h.end && g.start-h.end <= 28 {
			return true
		}
	}
	return gateBefore(cues, h)
}

var notAPassword = map[string]bool{
	"reset": true, "change": true, "changed": true, "forgot": true, "forgotten": true, "protected": true, "manager": true,
	"required": true, "later": true, "sent": true, "link": true, "for": true, "to": true, "and": true, "or": true, "on": true,
	"in": true, "with": true, "please": true, "if": true, "when": true, "expired": true, "needed": true, "protect": true,
}

// findSecrets finds values introduced by a secret's name: passwords and
// passcodes, PINs and card security codes.
func findSecrets(s string, cues []cueHit) []hit {
	var out []hit
	for _, h := range cues {
		switch h.c {
		case cuePassword, cuePIN, cueCVV, cuePINPostal:
		default:
			continue
		}
		word := s[h.start:h.end]
		literalCVV := h.c == cueCVV && strings.HasPrefix(word, "cv")
		if !literalCVV && gateBefore(cues, h) {
			continue
		}
		if h.c == cueCVV && strings.Contains(word, "security") && gateNear(cues, h) {
			continue
		}
		from := h.end
		if h.c == cueCVV && from+1 < len(s) && s[from] == '2' && !isDigit(s[from+1]) {
			from++ // CVV2, CVC2
		}
		vs, ve, sep := valueAfter(s, from)
		if ve <= vs {
			continue
		}
		val := s[vs:ve]
		digits := onlyDigits(val)
		switch h.c {
		case cueCVV:
			if digits && (len(val) == 3 || len(val) == 4) {
				out = append(out, hit{CardSecurityCode, vs, ve})
			}
		case cuePIN, cuePINPostal:
			if !digits || len(val) < 4 || len(val) > 8 {
				continue
			}
			if h.c == cuePINPostal && len(val) == 6 && val[0] != '0' {
				continue // India's PIN code is its postcode
			}
			out = append(out, hit{Password, vs, ve})
		case cuePassword:
			if notAPassword[val] || (word == "pass" && !sep) {
				continue // "pass" alone is a verb far more often than a password
			}
			if sep || strings.IndexFunc(val, func(r rune) bool { return r < 'a' || r > 'z' }) >= 0 {
				out = append(out, hit{Password, vs, ve})
			}
		}
	}
	return out
}

func onlyDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// The patterns are compiled on first use, not at package initialisation:
// every process links this package, few scan free text (issue 16).
var (
	ninoRe = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?:^|[^a-z0-9])([a-z]{2})[ -]?(\d{2})[ -]?(\d{2})[ -]?(\d{2})(?:[ -]?([a-d]))?(?:$|[^a-z0-9])`)
	})
	dniRe = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?:^|[^a-z0-9])([xyz]\d{7}|\d{8})[ -]?([a-z])(?:$|[^a-z0-9])`)
	})
)

// findAlnum finds the values that mix letters and digits: IBANs, UK
// National Insurance numbers, Spanish DNIs, and passport and ID card
// numbers after their name. The specific ones come first: where a DNI is
// also read as an ID card number, the earlier finding wins the overlap.
func findAlnum(s string, cues []cueHit) []hit {
	var out []hit
	if countDigits(s) >= 6 { // IBANs, NINOs and DNIs have six digits or more
		out = append(out, findIBANs(s)...)
		out = append(out, findNINOs(s, cues)...)
		out = append(out, findDNIs(s)...)
	}
	if strings.Contains(s, "<<") {
		for _, m := range mrzRe().FindAllStringIndex(s, -1) {
			out = append(out, hit{Passport, m[0], m[1]})
		}
	}
	return append(out, findIDTokens(s, cues)...)
}

// mrzRe finds a passport's machine-readable zone, pasted from a scan: the
// name line (P<NGAOKAFOR<<NGOZI) or the number line (document number,
// check digit, nationality, birth date, sex, expiry).
var mrzRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`p[a-z<][a-z]{3}[a-z]+<<[a-z<]*|[a-z0-9<]{9}\d[a-z<]{3}\d{7}[mfx<]\d{7}[a-z0-9<]*`)
})

func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			n++
		}
	}
	return n
}

func findNINOs(s string, cues []cueHit) []hit {
	var out []hit
	for _, m := range ninoRe().FindAllStringSubmatchIndex(s, -1) {
		start, end := m[2], m[9]
		if m[10] >= 0 {
			end = m[11]
		}
		if !isNINOPrefix(s[m[2]:m[3]]) {
			continue
		}
		if m[10] < 0 && !cueBefore(cues, start, 32, cueNINO) {
			continue // without its check letter, only when named
		}
		out = append(out, hit{UKNINO, start, end})
	}
	return out
}

func findDNIs(s string) []hit {
	var out []hit
	for _, m := range dniRe().FindAllStringSubmatchIndex(s, -1) {
		if isDNI(s[m[2]:m[3]], s[m[4]]) {
			out = append(out, hit{ESDNI, m[2], m[5]})
		}
	}
	return out
}

// findIDTokens reads the value after "passport" or an ID card's name.
// All-digit ID numbers are left to classifyRun, which tries the country
// validators first.
func findIDTokens(s string, cues []cueHit) []hit {
	var out []hit
	for _, h := range cues {
		if h.c != cuePassport && h.c != cueNationalID {
			continue
		}
		vs, ve, _ := valueAfter(s, h.end)
		v := s[vs:ve]
		switch {
		case h.c == cuePassport && idShape(v):
			out = append(out, hit{Passport, vs, ve})
		case h.c == cueNationalID && idShape(v) && !onlyDigits(v):
			out = append(out, hit{NationalID, vs, ve})
		}
	}
	return out
}

func cueBefore(cues []cueHit, at, within int, c cue) bool {
	for _, h := range cues {
		if h.c == c && h.end <= at && at-h.end <= within {
			return true
		}
	}
	return false
}

// idShape: passport and ID card numbers are 6 to 12 letters and digits,
// mostly digits (A12345678, 123456789, C01X00T47, L01X00T47).
func idShape(v string) bool {
	if len(v) < 6 || len(v) > 12 {
		return false
	}
	digits := 0
	for i := 0; i < len(v); i++ {
		switch {
		case isDigit(v[i]):
			digits++
		case v[i] < 'a' || v[i] > 'z':
			return false
		}
	}
	return digits >= 4
}

// findIBANs reads a country code, two check digits and the country's
// length of letters and digits, written with or without single separators,
// and keeps those whose mod-97 check holds.
func findIBANs(s string) []hit {
	var out []hit
	for i := 0; i+4 <= len(s); i++ {
		if (i > 0 && isAlnum(s[i-1])) || !isLower(s[i]) || !isLower(s[i+1]) || !isDigit(s[i+2]) || !isDigit(s[i+3]) {
			continue
		}
		want := ibanLengths[s[i:i+2]]
		if want == 0 {
			continue
		}
		var b strings.Builder
		j := i
		for j < len(s) && b.Len() < want {
			switch c := s[j]; {
			case isLower(c) || isDigit(c):
				b.WriteByte(c)
				j++
			case (c == ' ' || c == '-' || c == '.') && j+1 < len(s) && (isLower(s[j+1]) || isDigit(s[j+1])) && b.Len() > 0:
				j++
			default:
				j = len(s) + 1
			}
		}
		if j > len(s) || b.Len() != want || (j < len(s) && isAlnum(s[j])) {
			continue
		}
		if isIBAN(b.String()) {
			out = append(out, hit{IBAN, i, j})
			i = j
		}
	}
	return out
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }

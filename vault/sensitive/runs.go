package sensitive

import "strings"

// run is a number as typed: digit groups joined by up to three separators
// (space, dot, dash, underscore), e.g. "4111 1111-1111_1111".
type run struct {
	start, end int // byte offsets in the folded text
	digits     string
	groups     []int
	seps       string // the separator characters used, deduplicated
	plus       bool   // written "+…": an international phone number
	glued      bool   // letters touch it: part of a code such as 1Z999AA1…
}

const runSeps = " .-_"

func findRuns(s string, cues []cueHit) []run {
	var runs []run
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		r := run{start: i}
		var digits strings.Builder
		j := i
		for {
			g := j
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			digits.WriteString(s[g:j])
			r.groups = append(r.groups, j-g)
			r.end = j
			k := j
			for k < len(s) && k-j < 3 && strings.IndexByte(runSeps, s[k]) >= 0 {
				k++
			}
			if k == j || k >= len(s) || !isDigit(s[k]) {
				break
			}
			for _, c := range s[j:k] {
				if !strings.ContainsRune(r.seps, c) {
					r.seps += string(c)
				}
			}
			j = k
		}
		r.digits = digits.String()
		p := r.start - 1
		for p >= 0 && s[p] == ' ' {
			p--
		}
		r.plus = p >= 0 && s[p] == '+'
		r.glued = (r.start > 0 && isLetter(s[r.start-1]) && !cueEndsAt(cues, r.start)) ||
			(r.end < len(s) && isLetter(s[r.end]))
		runs = append(runs, r)
		i = r.end
	}
	return runs
}

// cueEndsAt: letters glued before a number are a context word
// ("nin12345678901", "pin4521"), not an alphanumeric code.
func cueEndsAt(cues []cueHit, at int) bool {
	for _, h := range cues {
		if h.end == at {
			return true
		}
	}
	return false
}

// cueFor is the context word that speaks for the run: the nearest one
// before it (within a short phrase, with no other number between them), or
// else one right after it ("22212345678 (BVN)").
func cueFor(s string, r run, cues []cueHit, runs []run) cueHit {
	const before, after = 32, 16
	best := cueHit{c: cueNone, start: -1}
	for _, h := range cues {
		if h.end <= r.start && r.start-h.end <= before && !numberBetween(runs, h.end, r.start) {
			best = h
		}
	}
	if best.start >= 0 {
		return best
	}
	for _, h := range cues {
		if h.start >= r.end && h.start-r.end <= after && !numberBetween(runs, r.end, h.start) {
			return h
		}
	}
	return best
}

func numberBetween(runs []run, from, to int) bool {
	for _, r := range runs {
		if r.start >= from && r.end <= to {
			return true
		}
	}
	return false
}

// classifyRun decides what a number is, or "" when it may be kept.
func classifyRun(s string, r run, cues []cueHit, runs []run, field string) Category {
	if r.plus || r.glued || field == "phone" {
		return ""
	}
	if dateShape(r) {
		return ""
	}
	d, n := r.digits, len(r.digits)
	h := cueFor(s, r, cues, runs)
	switch h.c {
	case cueLookalike, cueGate:
		return ""
	case cueNeutral:
		// A phone, an order or a date named as such: only the shapes with
		// strong checks (a branded Luhn-valid card, a dashed SSN, a South
		// African ID's date and check digit, a CPF's two check digits);
		// a 4-4-4 Verhoeff-valid "Aadhaar" is one reference in ten.
		if c := structural(r); c != INAadhaar {
			return c
		}
		return ""
	case cueCard:
		if n >= 12 && n <= 19 && luhn(d) {
			return CardNumber
		}
	case cueSSN:
		if isSSN(d) {
			return USSSN
		}
	case cueNIN:
		if n == 11 {
			return NGNIN
		}
	case cueBVN:
		if n == 11 {
			return NGBVN
		}
	case cueAadhaar:
		if isAadhaar(d) {
			return INAadhaar
		}
	case cueZAID:
		if isZAID(d) {
			return ZAID
		}
	case cueCPF:
		if isCPF(d) {
			return BRCPF
		}
	case cueRouting:
		if isABARouting(d) {
			return BankAccount
		}
	case cueBank:
		if isCardNumber(d) {
			return CardNumber
		}
		if n >= 6 && n <= 30 && !phoneShape(r) { // up to France's RIB and Spain's CCC
			return BankAccount
		}
	case cueNationalID:
		if c := structural(r); c != "" {
			return c
		}
		if n >= 6 && n <= 15 {
			return NationalID
		}
	case cuePassport:
		if n >= 6 && n <= 10 {
			return Passport
		}
	case cueNINO, cueIBAN, cuePassword, cuePIN, cueCVV, cuePINPostal:
		// Read with their values by findSecrets and findAlnum.
	}
	return structural(r)
}

// structural is what a number is by its own shape and check digits alone,
// with no context word: only shapes that ordinary numbers (phones, orders,
// tracking numbers, IMEIs, dates) do not take.
func structural(r run) Category {
	d, n := r.digits, len(r.digits)
	switch {
	case n == 13 && isZAID(d):
		return ZAID
	case isCardNumber(d):
		return CardNumber
	case n == 9 && sameGroups(r.groups, 3, 2, 4) && isSSN(d):
		return USSSN
	case n == 12 && sameGroups(r.groups, 4, 4, 4) && isAadhaar(d):
		return INAadhaar
	case n == 11 && sameGroups(r.groups, 3, 3, 3, 2) && r.seps != " " && isCPF(d):
		return BRCPF
	}
	return ""
}

// phoneShape: a national phone number (0803 123 4567, 07700 900123,
// 415-555-0136) next to a bank's name is the branch's or the customer's
// phone, not an account.
func phoneShape(r run) bool {
	d := r.digits
	return (len(d) == 11 && d[0] == '0' && d[1] != '0') || (len(d) == 10 && sameGroups(r.groups, 3, 3, 4))
}

// dateShape: 2024-11-23, 23.11.2024, 11-23-2024.
func dateShape(r run) bool {
	g, d := r.groups, r.digits
	num := func(s string) int {
		n := 0
		for i := 0; i < len(s); i++ {
			n = n*10 + int(s[i]-'0')
		}
		return n
	}
	year := func(s string) bool { y := num(s); return y >= 1900 && y <= 2099 }
	dm := func(a, b string) bool {
		x, y := num(a), num(b)
		return x >= 1 && y >= 1 && ((x <= 31 && y <= 12) || (x <= 12 && y <= 31))
	}
	switch {
	case sameGroups(g, 4, 2, 2):
		return year(d[:4]) && dm(d[6:], d[4:6])
	case sameGroups(g, 2, 2, 4):
		return year(d[4:]) && dm(d[:2], d[2:4])
	}
	return false
}

func sameGroups(got []int, want ...int) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

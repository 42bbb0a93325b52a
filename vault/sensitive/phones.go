package sensitive

import (
	"strings"
	"sync"

	"github.com/shopvault/shopvault/vault/internal/phone"
)

// The digits a phone number has: E.164 allows 15; fewer than 7 is a short
// code, a house number or an order number.
const minPhoneDigits, maxPhoneDigits = 7, 15

// phoneCue is what the word before a number says it is.
type phoneCue int

const (
	phoneCueNone phoneCue = iota
	phoneCueYes           // call, tel, whatsapp: a phone
	phoneCueNo            // order, tracking, IMEI, paid: a reference or an amount
)

// phoneCueWords are folded words (English, French, Spanish, Portuguese,
// German); built on first use, as cueIndex is, so start-up pays nothing.
var phoneCueWords = sync.OnceValue(func() map[string]phoneCue {
	words := map[string]phoneCue{}
	for _, w := range []string{
		"call", "called", "calling", "calls", "phone", "phoned", "phones", "tel", "telephone", "mobile", "mob", "cell",
		"cellphone", "whatsapp", "wa", "sms", "text", "texted", "ring", "rang", "dial", "dialled", "dialed", "fax",
		"appel", "appele", "appeler", "portable", "llamo", "llamada", "llamar", "telefono", "movil", "celular",
		"ligou", "ligar", "ligacao", "telefone", "telemovel", "anruf", "angerufen", "rief", "telefon", "handy", "mobil",
		"rufnummer", "telefonnummer",
	} {
		words[w] = phoneCueYes
	}
	for _, w := range []string{
		"order", "orders", "ord", "invoice", "inv", "receipt", "ref", "reference", "po", "tracking", "track", "waybill",
		"awb", "consignment", "parcel", "shipment", "package", "imei", "serial", "sn", "sku", "item", "barcode", "ean",
		"upc", "amount", "paid", "refund", "refunded", "total", "price", "naira", "ngn", "usd", "eur", "gbp", "kes",
		"zar", "inr", "commande", "colis", "facture", "pedido", "paquete", "factura", "encomenda", "fatura",
		"bestellung", "sendung", "rechnung",
	} {
		words[w] = phoneCueNo
	}
	return words
})

// phoneGroup is one group of digits of a number as typed, with the
// separator typed before it ("" for the first).
type phoneGroup struct {
	start, end int
	sep        string
}

// findPhones finds phone numbers in folded text.
func findPhones(s, field string) []span {
	var out []span
	for i := 0; i < len(s); {
		start, plus, groups, next := readNumber(s, i)
		i = next
		if groups == nil || glued(s, start, groups[len(groups)-1].end) {
			continue
		}
		for k, piece := range withoutDates(s, groups) {
			international := plus && k == 0 && piece[0].start == groups[0].start
			from := piece[0].start
			if international {
				from = start
			}
			if isPhone(s, piece, international, field) {
				out = append(out, span{from, piece[len(piece)-1].end})
			}
		}
	}
	return out
}

// readNumber reads the number as typed at i ("+234 803 123 9999",
// "(415) 555-0136"): digit groups joined by one of " -./", or by up to
// three characters around a bracket. groups is nil when no number starts
// at i; next is where to read on.
func readNumber(s string, i int) (start int, plus bool, groups []phoneGroup, next int) {
	start, j := i, i
	if s[j] == '+' {
		plus = true
		j++
		for j < len(s) && j-i <= 2 && (s[j] == ' ' || s[j] == '(') {
			j++
		}
	} else if s[j] == '(' {
		j++
	}
	if j >= len(s) || !isDigit(s[j]) {
		return start, false, nil, i + 1
	}
	sep := ""
	for {
		g := j
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		groups = append(groups, phoneGroup{start: g, end: j, sep: sep})
		k := j
		for k < len(s) && k-j < 3 && strings.IndexByte(" -./()", s[k]) >= 0 {
			k++
		}
		sep = s[j:k]
		if k == j || k >= len(s) || !isDigit(s[k]) || (len(sep) > 1 && !strings.ContainsAny(sep, "()")) {
			return start, plus, groups, j
		}
		j = k
	}
}

// glued: the number is part of a code or an amount, not a phone: letters
// touch it ("1Z999AA1", "5000abc"), or it follows "#", "$" or a code's
// letters and a dash ("ORD-5000", "INV-2026-00042").
func glued(s string, start, end int) bool {
	if end < len(s) && isLetter(s[end]) {
		return true
	}
	if start == 0 {
		return false
	}
	switch p := s[start-1]; {
	case isLetter(p) || p == '#' || p == '$':
		return true
	case p == '-' || p == '_' || p == '/':
		return start >= 2 && isAlnum(s[start-2])
	}
	return false
}

// withoutDates cuts dates ("2026-11-01", "01/11/2026") out of a number:
// what remains on either side is read on its own.
func withoutDates(s string, groups []phoneGroup) [][]phoneGroup {
	var pieces [][]phoneGroup
	from := 0
	for k := 0; k+2 < len(groups); k++ {
		a, b, c := groups[k], groups[k+1], groups[k+2]
		if b.sep != c.sep || len(b.sep) != 1 || !strings.Contains("-./", b.sep) {
			continue
		}
		r := run{digits: s[a.start:a.end] + s[b.start:b.end] + s[c.start:c.end],
			groups: []int{a.end - a.start, b.end - b.start, c.end - c.start}}
		if !dateShape(r) {
			continue
		}
		if k > from {
			pieces = append(pieces, groups[from:k])
		}
		from = k + 3
		k += 2
	}
	if from < len(groups) {
		pieces = append(pieces, groups[from:])
	}
	return pieces
}

func isPhone(s string, piece []phoneGroup, international bool, field string) bool {
	var b strings.Builder
	for _, g := range piece {
		b.WriteString(s[g.start:g.end])
	}
	d := b.String()
	n := len(d)
	switch {
	case n < minPhoneDigits || n > maxPhoneDigits+2:
		return false
	case international:
		return n <= maxPhoneDigits
	}
	cue := phoneCueBefore(s, piece[0].start)
	if cue == phoneCueNo || (field == "ref" && cue != phoneCueYes) {
		return false
	}
	if strings.HasPrefix(d, "00") && n >= 10 && d[2] != '0' {
		return true // the international prefix most countries dial (no calling code starts with 0)
	}
	writtenAsPhone := cue == phoneCueYes || (d[0] == '0' && d[1] != '0' && n >= 9) || (len(piece) >= 2 && n >= 8)
	return writtenAsPhone && n <= maxPhoneDigits && phone.ValidSomewhere(d)
}

// phoneCueBefore is what the nearest known word before the number says
// (within a short phrase, with no other number between): "called from
// 0803…" is a phone, "order no. 12345678" is not.
func phoneCueBefore(s string, at int) phoneCue {
	const within = 24
	for end := at; end > 0 && at-end <= within; {
		i := end - 1
		for i >= 0 && !isLetter(s[i]) {
			if isDigit(s[i]) {
				return phoneCueNone
			}
			i--
		}
		if i < 0 {
			break
		}
		j := i
		for j > 0 && isLetter(s[j-1]) {
			j--
		}
		if c, ok := phoneCueWords()[s[j:i+1]]; ok {
			return c
		}
		end = j
	}
	return phoneCueNone
}

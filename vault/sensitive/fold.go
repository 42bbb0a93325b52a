package sensitive

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// folded is text in the one form every rule reads: compatibility-decomposed
// (fullwidth and other look-alike forms become plain ones), accents dropped,
// lower case, every decimal digit as an ASCII digit, every dash as '-', every
// space as ' '. from maps each folded byte back to the original text; nil
// when the text was ASCII and offsets did not move.
type folded struct {
	s    string
	from []int
}

// at is the original byte offset of folded offset i.
func (f folded) at(i int) int {
	if f.from == nil {
		return i
	}
	return f.from[i]
}

func fold(text string) folded {
	b := make([]byte, 0, len(text))
	ascii := true
	for i := 0; i < len(text) && ascii; i++ {
		ascii = text[i] < utf8.RuneSelf
	}
	if ascii {
		for i := 0; i < len(text); i++ {
			b = append(b, foldASCII(text[i]))
		}
		return folded{s: string(b)}
	}
	from := make([]int, 0, len(text)+1)
	add := func(r rune, at int) {
		n := len(b)
		b = utf8.AppendRune(b, r)
		for range len(b) - n {
			from = append(from, at)
		}
	}
	for at, r := range text {
		if r < utf8.RuneSelf {
			add(rune(foldASCII(byte(r))), at)
			continue
		}
		for _, d := range norm.NFKD.String(string(r)) {
			switch {
			case unicode.Is(unicode.Mn, d):
			case unicode.Is(unicode.Nd, d):
				add('0'+digitValue(d), at)
			case unicode.Is(unicode.Pd, d) || d == '\u2212':
				add('-', at)
			case unicode.IsSpace(d):
				add(' ', at)
			default:
				add(unicode.ToLower(d), at)
			}
		}
	}
	from = append(from, len(text))
	return folded{s: string(b), from: from}
}

func foldASCII(c byte) byte {
	switch {
	case c >= 'A' && c <= 'Z':
		return c + 'a' - 'A'
	case c == '\t' || c == '\n' || c == '\r':
		return ' '
	}
	return c
}

// digitValue reads any Unicode decimal digit: each script's digits are a
// run of ten code points starting at its zero.
func digitValue(d rune) rune {
	zero := d
	for unicode.Is(unicode.Nd, zero-1) && d-zero < 9 {
		zero--
	}
	return (d - zero) % 10
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 0x80 }
func isAlnum(c byte) bool  { return isDigit(c) || isLetter(c) }

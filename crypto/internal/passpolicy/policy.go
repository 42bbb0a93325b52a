// Package passpolicy estimates how many guesses an attacker needs for a
// passphrase, in the manner of NIST SP 800-63B's advice to refuse values
// that are common, expected or compromised. It splits the passphrase into
// the pieces a cracker tries first (common passwords, dictionary words and
// names, also in leet and reversed; words about this vault; keyboard walks;
// repeats; sequences; years) and brute-force for the rest, and takes the
// cheapest split.
//
// It does nothing at start-up: the word lists are constants, and the index
// is built inside Estimate, which runs once per passphrase chosen.
package passpolicy

import (
	"math"
	"strings"
	"unicode"
)

// Kind says what a piece of a passphrase is.
type Kind int

// Kinds of pieces, in the order reasons are reported.
const (
	Bruteforce Kind = iota
	Separator
	CommonPassword
	ContextWord
	DictionaryWord
	Name
	Keyboard
	Repeat
	Sequence
	Year
)

// Describe is the phrase used in a refusal, naming the kind of piece.
func (k Kind) Describe() string {
	switch k {
	case CommonPassword:
		return "a common or well-known password"
	case ContextWord:
		return "the shop's name or words about shopvault"
	case DictionaryWord:
		return "dictionary words (also with letters swapped for digits or symbols)"
	case Name:
		return "names"
	case Keyboard:
		return "a keyboard pattern"
	case Repeat:
		return "repeated characters or pieces"
	case Sequence:
		return "a sequence such as abc or 1234"
	case Year:
		return "a year"
	}
	return ""
}

// Result is the cheapest way found to guess a passphrase.
type Result struct {
	// Log10Guesses is log10 of the guesses needed.
	Log10Guesses float64
	// Kinds lists the kinds of the pieces found (not brute-force), once
	// each, in Kind order.
	Kinds []Kind
}

// maxRunes bounds the work: only the start of a longer passphrase is
// estimated, and what follows can only make it stronger.
const maxRunes = 128

// Estimate returns the guesses needed for pass. context holds words an
// attacker who knows this vault tries first (the shop's name, the
// program's name).
func Estimate(pass string, context []string) Result {
	runes := []rune(pass)
	if len(runes) > maxRunes {
		runes = runes[:maxRunes]
	}
	if len(runes) == 0 {
		return Result{}
	}
	idx := buildIndex(context)
	ms := findMatches(runes, idx)
	return cheapest(runes, ms)
}

// match is a piece runes[i:j] and log10 of the guesses for it.
type match struct {
	i, j    int
	log10   float64
	kind    Kind
	counted bool // counts towards the pieces whose order an attacker must guess
}

// cheapest finds the split of runes into matches and brute-force runs with
// the fewest guesses: the product of the pieces' guesses times the number
// of orders of its counted pieces (l!), as zxcvbn does.
func cheapest(runes []rune, ms []match) Result {
	n := len(runes)
	byEnd := make([][]match, n+1)
	for _, m := range ms {
		byEnd[m.j] = append(byEnd[m.j], m)
	}
	// An attacker who tries "word-word-word" picks the separator once, so
	// its cost is shared among its uses.
	uses := map[rune]int{}
	for _, r := range runes {
		if !isWordRune(r) {
			uses[r]++
		}
	}
	for j := 1; j <= n; j++ {
		for i := 0; i < j; i++ {
			m := bruteforce(runes, i, j)
			if m.kind == Separator {
				m.log10 /= float64(uses[runes[i]])
			}
			byEnd[j] = append(byEnd[j], m)
		}
	}
	// best[j][l]: fewest log10 guesses covering runes[:j] with l counted
	// pieces; from[j][l] is the last piece of that split.
	inf := math.Inf(1)
	best := make([][]float64, n+1)
	from := make([][]match, n+1)
	for j := range best {
		best[j] = make([]float64, n+2)
		from[j] = make([]match, n+2)
		for l := range best[j] {
			best[j][l] = inf
		}
	}
	best[0][0] = 0
	for j := 1; j <= n; j++ {
		for _, m := range byEnd[j] {
			add := 0
			if m.counted {
				add = 1
			}
			for l := 0; l+add <= n; l++ {
				if best[m.i][l] == inf {
					continue
				}
				if c := best[m.i][l] + m.log10; c < best[j][l+add] {
					best[j][l+add] = c
					from[j][l+add] = m
				}
			}
		}
	}
	bestL, bestTotal := 0, inf
	for l := 0; l <= n; l++ {
		if best[n][l] == inf {
			continue
		}
		if t := best[n][l] + log10Factorial(l); t < bestTotal {
			bestL, bestTotal = l, t
		}
	}
	seen := map[Kind]bool{}
	for j, l := n, bestL; j > 0; {
		m := from[j][l]
		seen[m.kind] = true
		if m.counted {
			l--
		}
		j = m.i
	}
	res := Result{Log10Guesses: bestTotal}
	for k := CommonPassword; k <= Year; k++ {
		if seen[k] {
			res.Kinds = append(res.Kinds, k)
		}
	}
	return res
}

func log10Factorial(l int) float64 {
	f := 0.0
	for i := 2; i <= l; i++ {
		f += math.Log10(float64(i))
	}
	return f
}

// bruteforce is runes[i:j] guessed character by character. Short runs count
// ten per character, as zxcvbn does: between known pieces they are most
// often words the lists lack (a local place name) or a digit or two. Longer
// runs count the size of the character classes they use.
func bruteforce(runes []rune, i, j int) match {
	n := j - i
	if n == 1 && !isWordRune(runes[i]) {
		return match{i: i, j: j, log10: 1, kind: Separator}
	}
	if n <= 4 {
		return match{i: i, j: j, log10: float64(n), kind: Bruteforce, counted: true}
	}
	var lower, upper, digit, other bool
	for _, r := range runes[i:j] {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	card := 0
	for _, c := range []struct {
		has  bool
		size int
	}{{lower, 26}, {upper, 26}, {digit, 10}, {other, 33}} {
		if c.has {
			card += c.size
		}
	}
	return match{i: i, j: j, log10: float64(n) * math.Log10(float64(card)), kind: Bruteforce, counted: true}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// findMatches lists every piece of runes the policy knows how to guess.
func findMatches(runes []rune, idx index) []match {
	return append(findMatchesNoRepeat(runes, idx), repeatMatches(runes, idx)...)
}

// upperVariations counts the ways to capitalise a lower-case word to get
// s: 1 for all lower, 2 for a capital first or last letter or all
// capitals, otherwise the sum of binomials zxcvbn uses.
func upperVariations(s []rune) float64 {
	var up, low int
	for _, r := range s {
		switch {
		case unicode.IsUpper(r):
			up++
		case unicode.IsLower(r):
			low++
		}
	}
	if up == 0 {
		return 1
	}
	if low == 0 || (up == 1 && (unicode.IsUpper(s[0]) || unicode.IsUpper(s[len(s)-1]))) {
		return 2
	}
	v := 0.0
	for k := 1; k <= min(up, low); k++ {
		v += binomial(up+low, k)
	}
	return v
}

func binomial(n, k int) float64 {
	r := 1.0
	for i := 1; i <= k; i++ {
		r = r * float64(n-k+i) / float64(i)
	}
	return r
}

func lowerRunes(s []rune) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

//go:generate go run ./gen -o lists_gen.go

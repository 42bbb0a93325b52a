package passpolicy

import (
	"strings"
	"unicode"
)

// wellKnown are passwords famous enough to be tried first although the
// frequency lists miss them: the examples of xkcd 936 and this program's
// own documentation.
const wellKnown = `correcthorsebatterystaple
troubador
tr0ub4dor&3`

// builtinContext are words about this program an attacker tries first.
var builtinContext = []string{"shopvault", "shop", "vault", "customer", "customers", "passphrase", "password", "secret"}

type entry struct {
	rank int
	kind Kind
}

// index maps a lower-case word to its best rank and kind.
type index map[string]entry

// maxWordRunes bounds the pieces looked up; longer words are rare.
const maxWordRunes = 25

func buildIndex(context []string) index {
	idx := index{}
	add := func(list string, kind Kind) {
		rank := 0
		for w := range strings.SplitSeq(list, "\n") {
			rank++
			if e, ok := idx[w]; !ok || rank < e.rank {
				idx[w] = entry{rank, kind}
			}
		}
	}
	add(wellKnown, CommonPassword)
	add(passwordsList, CommonPassword)
	add(englishList, DictionaryWord)
	add(surnamesList, Name)
	add(maleNamesList, Name)
	add(femaleNamesList, Name)
	var ctx []string
	for _, c := range append(context, builtinContext...) {
		words := strings.FieldsFunc(strings.ToLower(c), func(r rune) bool { return !isWordRune(r) })
		// Each word, and each run of neighbouring words written together
		// ("mamaput", "mamaputkitchen").
		for i := range words {
			for j := i + 1; j <= len(words); j++ {
				ctx = append(ctx, strings.Join(words[i:j], ""))
			}
		}
	}
	for rank, w := range ctx {
		if len([]rune(w)) >= 2 {
			idx[w] = entry{rank + 1, ContextWord}
		}
	}
	return idx
}

// leet lists the letters a digit or symbol commonly stands for.
var leet = map[rune][]rune{
	'4': {'a'}, '@': {'a'}, '8': {'b'}, '(': {'c'}, '{': {'c'}, '[': {'c'}, '<': {'c'},
	'3': {'e'}, '6': {'g'}, '9': {'g'}, '1': {'i', 'l'}, '!': {'i', 'l'}, '|': {'i', 'l'},
	'0': {'o'}, '5': {'s'}, '$': {'s'}, '7': {'t', 'l'}, '+': {'t'}, '%': {'x'}, '2': {'z'},
}

// maxLeetForms bounds the spellings tried for one piece.
const maxLeetForms = 16

// dictionaryMatches finds every piece that is a known word, also with
// leet substitutions undone and reversed.
func dictionaryMatches(runes []rune, idx index) []match {
	var ms []match
	n := len(runes)
	for i := 0; i < n; i++ {
		for j := i + 1; j <= n && j-i <= maxWordRunes; j++ {
			piece := runes[i:j]
			if j-i == 1 && !unicode.IsLetter(piece[0]) {
				continue
			}
			upper := upperVariations(piece)
			low := []rune(lowerRunes(piece))
			for _, f := range leetForms(low) {
				for _, rev := range []bool{false, true} {
					w := f.word
					if rev {
						w = reverse(w)
					}
					e, ok := idx[w]
					if !ok {
						continue
					}
					g := float64(e.rank) * upper * f.variations
					if rev {
						g *= 2
					}
					ms = append(ms, match{i: i, j: j, log10: log10Min(g, j-i), kind: e.kind, counted: true})
				}
			}
		}
	}
	return ms
}

type leetForm struct {
	word       string
	variations float64 // ways the substitutions could have been made
}

// leetForms returns low as written and with leet substitutions undone.
func leetForms(low []rune) []leetForm {
	forms := []leetForm{{string(low), 1}}
	subs := 0
	for _, r := range low {
		if _, ok := leet[r]; ok {
			subs++
		}
	}
	if subs == 0 || subs == len(low) {
		return forms
	}
	variants := [][]rune{{}}
	for _, r := range low {
		opts, ok := leet[r]
		if !ok {
			opts = []rune{r}
		}
		var next [][]rune
		for _, v := range variants {
			for _, o := range opts {
				if len(next) == maxLeetForms {
					break
				}
				next = append(next, append(append([]rune(nil), v...), o))
			}
		}
		variants = next
	}
	// Each substituted character doubles the spellings to try.
	vars := float64(int(1) << min(subs, 30))
	for _, v := range variants {
		forms = append(forms, leetForm{string(v), vars})
	}
	return forms
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

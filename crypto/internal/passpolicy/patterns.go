package passpolicy

import (
	"math"
	"unicode"
)

// log10Min is log10 of g, but at least what zxcvbn charges for any piece:
// 10 guesses for one character, 50 for more.
func log10Min(g float64, runes int) float64 {
	floor := 50.0
	if runes == 1 {
		floor = 10
	}
	return math.Log10(max(g, floor))
}

// keyboardRows is a US keyboard, unshifted and shifted; each row starts
// further right than the one above by the offset (in keys).
var keyboardRows = []struct {
	plain, shifted string
	offset         float64
}{
	{"`1234567890-=", "~!@#$%^&*()_+", 0},
	{"qwertyuiop[]\\", "QWERTYUIOP{}|", 0.5},
	{"asdfghjkl;'", "ASDFGHJKL:\"", 0.75},
	{"zxcvbnm,./", "ZXCVBNM<>?", 1.25},
}

type keyPos struct {
	row     int
	x       float64
	shifted bool
}

func keyPosition(r rune) (keyPos, bool) {
	for row, k := range keyboardRows {
		for col, c := range k.plain {
			if c == r {
				return keyPos{row, float64(col) + k.offset, false}, true
			}
		}
		for col, c := range k.shifted {
			if c == r {
				return keyPos{row, float64(col) + k.offset, true}, true
			}
		}
	}
	return keyPos{}, false
}

// adjacent reports whether two keys touch: next to each other in a row,
// or overlapping in neighbouring rows.
func adjacent(a, b keyPos) bool {
	dr := a.row - b.row
	dx := math.Abs(a.x - b.x)
	switch dr {
	case 0:
		return dx == 1
	case 1, -1:
		return dx <= 1
	}
	return false
}

// keyboardMatches finds walks of three or more neighbouring keys
// ("qwerty", "zaq1", "1qaz2wsx"). Guesses: a start key, the length, and a
// factor of four per change of direction, doubled if shift is used.
func keyboardMatches(runes []rune) []match {
	var ms []match
	n := len(runes)
	for i := 0; i < n; i++ {
		prev, ok := keyPosition(runes[i])
		if !ok {
			continue
		}
		turns, shifted := 0, prev.shifted
		var lastDir [2]float64
		for j := i + 1; j < n; j++ {
			cur, ok := keyPosition(runes[j])
			if !ok || !adjacent(prev, cur) {
				break
			}
			dir := [2]float64{float64(cur.row - prev.row), cur.x - prev.x}
			if j > i+1 && dir != lastDir {
				turns++
			}
			lastDir, shifted, prev = dir, shifted || cur.shifted, cur
			if j-i+1 >= 3 {
				g := 47 * float64(j-i+1) * math.Pow(4, float64(turns))
				if shifted {
					g *= 2
				}
				ms = append(ms, match{i: i, j: j + 1, log10: log10Min(g, j-i+1), kind: Keyboard, counted: true})
			}
		}
	}
	return ms
}

// sequenceMatches finds runs of three or more characters with a constant
// step of 1 or 2 ("abcd", "9876", "13579"). Guesses: the start (few for
// an obvious one), the length, doubled for a falling or wider step.
func sequenceMatches(runes []rune) []match {
	var ms []match
	n := len(runes)
	for i := 0; i+2 < n; i++ {
		step := runes[i+1] - runes[i]
		if step == 0 || step > 2 || step < -2 || !sameClass(runes[i], runes[i+1]) {
			continue
		}
		j := i + 1
		for j+1 < n && runes[j+1]-runes[j] == step && sameClass(runes[j], runes[j+1]) {
			j++
		}
		for end := i + 3; end <= j+1; end++ {
			start := 26.0
			switch unicode.ToLower(runes[i]) {
			case 'a', 'z', '0', '1', '9':
				start = 4
			default:
				if unicode.IsDigit(runes[i]) {
					start = 10
				}
			}
			g := start * float64(end-i)
			if step != 1 {
				g *= 2
			}
			ms = append(ms, match{i: i, j: end, log10: log10Min(g, end-i), kind: Sequence, counted: true})
		}
	}
	return ms
}

func sameClass(a, b rune) bool {
	switch {
	case unicode.IsDigit(a):
		return unicode.IsDigit(b)
	case unicode.IsLower(a):
		return unicode.IsLower(b)
	case unicode.IsUpper(a):
		return unicode.IsUpper(b)
	}
	return false
}

// yearMatches finds four-digit years from 1900 to 2099 and two-digit
// ones; an attacker tries recent years first.
func yearMatches(runes []rune) []match {
	var ms []match
	for i := 0; i+4 <= len(runes); i++ {
		s := string(runes[i : i+4])
		if (s[:2] == "19" || s[:2] == "20") && isDigits(s) {
			ms = append(ms, match{i: i, j: i + 4, log10: math.Log10(200), kind: Year, counted: true})
		}
	}
	return ms
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// repeatMatches finds a piece written two or more times in a row
// ("aaaa", "abcabc", "hunter2hunter2"). Guesses: those of the piece once,
// times the number of copies.
func repeatMatches(runes []rune, idx index) []match {
	var ms []match
	n := len(runes)
	onceCache := map[string]float64{}
	for i := 0; i < n; i++ {
		for size := 1; i+2*size <= n; size++ {
			copies := 1
			for i+(copies+1)*size <= n && equalRunes(runes[i:i+size], runes[i+copies*size:i+(copies+1)*size]) {
				copies++
			}
			if copies < 2 {
				continue
			}
			base := runes[i : i+size]
			once, ok := onceCache[string(base)]
			if !ok {
				once = cheapest(base, findMatchesNoRepeat(base, idx)).Log10Guesses
				onceCache[string(base)] = once
			}
			for c := 2; c <= copies; c++ {
				ms = append(ms, match{i: i, j: i + c*size, log10: once + math.Log10(float64(c)), kind: Repeat, counted: true})
			}
		}
	}
	return ms
}

func findMatchesNoRepeat(runes []rune, idx index) []match {
	var ms []match
	ms = append(ms, dictionaryMatches(runes, idx)...)
	ms = append(ms, keyboardMatches(runes)...)
	ms = append(ms, sequenceMatches(runes)...)
	ms = append(ms, yearMatches(runes)...)
	return ms
}

func equalRunes(a, b []rune) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Package countryname folds country names to the form the generated
// name table is keyed by, so the generator and the lookup agree.
package countryname

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Fold is the matching form of a country name: compatibility-decomposed,
// marks dropped, lower case, punctuation as spaces, spaces collapsed; so
// "España", "ESPANA" and "espana" are one name, as are "Côte d’Ivoire" and
// "cote d'ivoire".
func Fold(s string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsSpace(r) || unicode.IsPunct(r):
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

package vault

//go:generate go run ./internal/countrygen -o countries_table.go -labels ../export/countries_table.go

import (
	"sort"
	"strings"

	"github.com/shopvault/shopvault/vault/internal/countryname"
)

// CountryCode turns a country as people write it (an ISO code in any case,
// an English name, or the country's own name: "ng", "Nigeria",
// "Deutschland", "España", "Україна") into its ISO 3166 code. ok is false
// when it names no country.
func CountryCode(s string) (code string, ok bool) {
	s = strings.TrimSpace(s)
	if c := strings.ToUpper(s); len(c) == 2 && validCountry(c) {
		return c, true
	}
	key := countryname.Fold(s)
	i := sort.Search(len(countryNames), func(i int) bool { return countryNames[i].name >= key })
	if i < len(countryNames) && countryNames[i].name == key {
		return countryNames[i].code, true
	}
	return "", false
}

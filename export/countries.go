package export

import "sort"

// CountryName is the English name for an ISO code, upper-case as on labels
// (from CLDR, generated with the vault's country table); an unknown code
// prints as itself, which couriers also accept.
func CountryName(code string) string {
	i := sort.Search(len(countryLabels), func(i int) bool { return countryLabels[i].code >= code })
	if i < len(countryLabels) && countryLabels[i].code == code {
		return countryLabels[i].name
	}
	return code
}

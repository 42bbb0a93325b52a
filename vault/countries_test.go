package vault

import "testing"

// Countries are accepted as people write them (issue 15): ISO codes,
// English names, local names, any case and accents.
func TestCountryCode(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"NG", "NG", true},
		{"ng", "NG", true},
		{" gb ", "GB", true},
		{"Nigeria", "NG", true},
		{"NIGERIA", "NG", true},
		{"Deutschland", "DE", true},
		{"Germany", "DE", true},
		{"Allemagne", "DE", true},
		{"España", "ES", true},
		{"espana", "ES", true},
		{"Україна", "UA", true},
		{"Côte d’Ivoire", "CI", true},
		{"Cote d'Ivoire", "CI", true},
		{"United States", "US", true},
		{"USA", "US", true},
		{"United Kingdom", "GB", true},
		{"UK", "GB", true},
		{"中国", "CN", true},
		{"日本", "JP", true},
		{"Brasil", "BR", true},
		{"NGA", "", false},
		{"France", "FR", true},
		{"XX", "XX", false},
		{"Atlantis", "", false},
		{"", "", false},
	} {
		got, ok := CountryCode(tc.in)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("CountryCode(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// The generated table must stay sorted for the binary search.
func TestCountryNamesSorted(t *testing.T) {
	for i := 1; i < len(countryNames); i++ {
		if countryNames[i-1].name >= countryNames[i].name {
			t.Fatalf("countryNames not sorted at %q, %q", countryNames[i-1].name, countryNames[i].name)
		}
	}
}

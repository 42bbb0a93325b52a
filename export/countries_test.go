package export

import "testing"

// Labels spell out every country by its English name; an unknown code
// prints as itself (issue 15).
func TestCountryName(t *testing.T) {
	for code, want := range map[string]string{
		"NG": "NIGERIA", "DE": "GERMANY", "UA": "UKRAINE", "CI": "CÔTE D’IVOIRE", "BJ": "BENIN", "ZZ": "ZZ", "": "",
	} {
		if got := CountryName(code); got != want {
			t.Errorf("CountryName(%q) = %q, want %q", code, got, want)
		}
	}
}

package phone

import (
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// moduleE164 is the reference: libphonenumber's Go port, whose metadata
// data_gen.go is generated from, doing what vault.NormalizePhone did with
// it before this package existed.
func moduleE164(number, region string) (string, bool) {
	n, err := phonenumbers.Parse(number, region)
	if err != nil || !phonenumbers.IsPossibleNumber(n) {
		return "", false
	}
	return phonenumbers.Format(n, phonenumbers.E164), true
}

// Issue 16: the E.164 form of every number must stay exactly as it was,
// because blind-index tokens are computed from it. This compares the
// package with the module on tens of thousands of numbers.
func TestE164MatchesModule(t *testing.T) {
	cs := corpus(t)
	if len(cs) < 20000 {
		t.Fatalf("corpus has %d numbers, want tens of thousands", len(cs))
	}
	accepted, mismatches := 0, 0
	for _, c := range cs {
		want, wantOK := moduleE164(c.number, c.region)
		got, err := E164(c.number, c.region)
		if wantOK {
			accepted++
		}
		if got != want || (err == nil) != wantOK {
			mismatches++
			if mismatches <= 20 {
				t.Errorf("E164(%q, %q) = %q, %v; module gives %q, ok=%v", c.number, c.region, got, err, want, wantOK)
			}
		}
	}
	if mismatches > 0 {
		t.Fatalf("%d of %d numbers differ from the module", mismatches, len(cs))
	}
	t.Logf("%d numbers compared, %d accepted", len(cs), accepted)
}

func TestCallingCodeMatchesModule(t *testing.T) {
	for _, r := range []string{"NG", "US", "GB", "DE", "KE", "GH", "JP", "IN", "BR", "VA", "XX", "", "001", "ng"} {
		if got, want := CallingCode(r), phonenumbers.GetCountryCodeForRegion(r); got != want {
			t.Errorf("CallingCode(%q) = %d, module gives %d", r, got, want)
		}
	}
}

// FuzzE164 compares the package with the module on any input.
func FuzzE164(f *testing.F) {
	for _, s := range []string{"+234 803 555 0101", "0803 555 0101", "1-800-FLOWERS", "tel:253-0000;phone-context=+1-650", "+39 06 1234 5678", "٠٨٠٣٥٥٥٠١٠١", "020 7946 0958 #123"} {
		f.Add(s, "NG")
		f.Add(s, "US")
	}
	f.Fuzz(func(t *testing.T, number, region string) {
		want, wantOK := moduleE164(number, region)
		got, err := E164(number, region)
		if got != want || (err == nil) != wantOK {
			t.Fatalf("E164(%q, %q) = %q, %v; module gives %q, ok=%v", number, region, got, err, want, wantOK)
		}
	})
}

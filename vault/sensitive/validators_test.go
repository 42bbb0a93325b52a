package sensitive

import "testing"

func TestValidators(t *testing.T) {
	tests := []struct {
		name string
		fn   func(string) bool
		in   string
		want bool
	}{
		{"luhn valid", luhn, "4111111111111111", true},
		{"luhn invalid", luhn, "4111111111111112", false},
		{"luhn short", luhn, "79927398713", true},
		{"luhn zero", luhn, "0", true},
		{"visa 16", isCardNumber, "4111111111111111", true},
		{"mastercard 2-series", isCardNumber, "2223000048400011", true},
		{"amex", isCardNumber, "378282246310005", true},
		{"verve", isCardNumber, "5061040000000000003", false}, // Luhn-invalid
		{"diners 14", isCardNumber, "30569309025904", true},
		{"imei is not a card (15 digits, no brand)", isCardNumber, "356938035643809", false},
		{"imei starting 4 is not visa (visa has no 15)", isCardNumber, "490154203237518", false},
		{"luhn-valid without a brand prefix", isCardNumber, "1234567812345670", false},
		{"ssn", isSSN, "219099999", true},
		{"ssn area 000", isSSN, "000123456", false},
		{"ssn area 666", isSSN, "666123456", false},
		{"ssn area 9xx", isSSN, "912345678", false},
		{"ssn group 00", isSSN, "123004567", false},
		{"ssn serial 0000", isSSN, "123450000", false},
		{"ssn advertising range", isSSN, "987654320", false},
		{"aadhaar", isAadhaar, "234567890124", true},
		{"aadhaar bad check", isAadhaar, "234567890125", false},
		{"aadhaar starts 1", isAadhaar, "134567890120", false},
		{"za id", isZAID, "8001015009087", true},
		{"za id bad month", isZAID, "8013015009087", false},
		{"za id bad citizenship", isZAID, "8001015009287", false},
		{"cpf", isCPF, "52998224725", true},
		{"cpf bad check", isCPF, "52998224726", false},
		{"cpf all same", isCPF, "11111111111", false},
		{"aba routing", isABARouting, "021000021", true},
		{"aba bad", isABARouting, "021000022", false},
		{"iban de", isIBAN, "de89370400440532013000", true},
		{"iban gb", isIBAN, "gb82west12345698765432", true},
		{"iban bad check", isIBAN, "de89370400440532013001", false},
		{"iban wrong length", isIBAN, "de8937040044053201300", false},
		{"iban unknown country", isIBAN, "xx89370400440532013000", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.fn(tc.in); got != tc.want {
				t.Errorf("%s(%s) = %v, want %v", tc.name, tc.in, got, tc.want)
			}
		})
	}
}

func TestNINOPrefix(t *testing.T) {
	for p, want := range map[string]bool{"ab": true, "ce": true, "qq": false, "da": false, "ao": false, "bg": false, "gb": false, "zz": false, "tn": false} {
		if got := isNINOPrefix(p); got != want {
			t.Errorf("isNINOPrefix(%s) = %v, want %v", p, got, want)
		}
	}
}

func TestDNI(t *testing.T) {
	for _, tc := range []struct {
		body   string
		letter byte
		want   bool
	}{{"12345678", 'z', true}, {"12345678", 'a', false}, {"x1234567", 'l', true}} {
		if got := isDNI(tc.body, tc.letter); got != tc.want {
			t.Errorf("isDNI(%s, %c) = %v", tc.body, tc.letter, got)
		}
	}
}

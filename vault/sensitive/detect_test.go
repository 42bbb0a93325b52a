package sensitive

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestDetect covers the forms issue 14 lists: what a shop owner really
// types, and the look-alikes that must pass.
func TestDetect(t *testing.T) {
	tests := []struct {
		text  string
		field string
		want  Category // "" must pass
	}{
		{"SSN 123 45 6789", "", USSSN},
		{"SSN 123456789", "", USSSN},
		{"NI number AB 12 34 56 C", "", UKNINO},
		{"ni ab123456c", "", UKNINO},
		{"BVN: 22212345678", "", NGBVN},
		{"NIN is 12345678901", "", NGNIN},
		{"NIN-12345678901", "", NGNIN},
		{"GB82 WEST 1234 5698 7654 32", "", IBAN},
		{"gb82west12345698765432", "", IBAN},
		{"passport A12345678", "", Passport},
		{"cvv 123", "", CardSecurityCode},
		{"PIN: 4521", "", Password},
		{"password: tiger", "", Password},
		{"GTBank 0123456789", "", BankAccount},
		{"4111.1111.1111.1111", "", CardNumber},
		{"4111_1111_1111_1111", "", CardNumber},
		{"４１１１ １１１１ １１１１ １１１１", "", CardNumber},
		{"٤١١١١١١١١١١١١١١١", "", CardNumber}, // Arabic-Indic digits
		{"Aadhaar 2345 6789 0124", "", INAadhaar},
		{"8001015009087", "", ZAID},
		{"+234 803 123 4567", "", ""},
		{"0803 123 4567", "", ""},
		{"(020) 7946 0000", "", ""},
		{"ORD-1042", "", ""},
		{"#1001", "", ""},
		{"1Z999AA10123456784", "", ""},
		{"JD014600006251234567", "", ""},
		{"2024-11-23", "", ""},
		{"SW1A 1AA", "", ""},
		{"gate code 4521", "", ""},
		{"gate PIN 4521", "", ""},
		{"PIN code 560001", "", ""},
		{"356938035643809", "", ""}, // an IMEI: Luhn-valid, no card brand
		{"IMEI 490154203237518", "", ""},
		{"tracking 4111 1111 1111 1112", "", ""}, // Luhn-invalid
		{"2348031234567", "phone", ""},
		{"password reset link sent", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			found := Detect(tc.text, tc.field)
			var got Category
			if len(found) > 0 {
				got = found[0].Category
			}
			if got != tc.want {
				t.Fatalf("Detect(%q) = %v, want %q", tc.text, found, tc.want)
			}
		})
	}
}

// FuzzDetect: any input, no panic, and findings point inside the text.
func FuzzDetect(f *testing.F) {
	for _, s := range []string{"4111 1111 1111 1111", "NIN-12345678901", "GB82 WEST 1234 5698 7654 32", "PIN: 4521", "password is x",
		"ab 12 34 56 c", "４１１１", "\xff\xfe", "passport ", "iban de89", "+234 803 123 4567"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, fd := range Detect(s, "") {
			if fd.Start < 0 || fd.End > len(s) || fd.Start >= fd.End {
				t.Fatalf("finding %+v outside text of %d bytes", fd, len(s))
			}
			if fd.Category.Describe() == "" || strings.Contains(string(fd.Category), " ") {
				t.Fatalf("bad category %q", fd.Category)
			}
		}
		_ = utf8.ValidString(s)
	})
}

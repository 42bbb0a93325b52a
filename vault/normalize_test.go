package vault

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeFields(t *testing.T) {
	tests := []struct {
		name     string
		in       map[string]string
		country  string
		want     map[string]string
		errField string
		errHas   string
	}{
		{name: "nigerian national phone", in: map[string]string{"phone": "0803 123 4567", "country": "ng"}, want: map[string]string{"phone": "+2348031234567", "country": "NG"}},
		{name: "international phone ignores country", in: map[string]string{"phone": "+44 20 7946 0000", "country": "NG"}, want: map[string]string{"phone": "+442079460000", "country": "NG"}},
		{name: "existing country used", in: map[string]string{"phone": "(415) 555-0136"}, country: "US", want: map[string]string{"phone": "+14155550136"}},
		{name: "00 prefix", in: map[string]string{"phone": "0049 30 12345678"}, want: map[string]string{"phone": "+493012345678"}},
		{name: "national without country", in: map[string]string{"phone": "0803 123 4567"}, errField: "phone", errHas: "no country"},
		{name: "words are not a phone", in: map[string]string{"phone": "call me maybe", "country": "NG"}, errField: "phone"},
		{name: "email kept as typed", in: map[string]string{"email": " A.B+shop@Example.NG "}, want: map[string]string{"email": "A.B+shop@Example.NG"}},
		{name: "not an email", in: map[string]string{"email": "not-an-email"}, errField: "email"},
		{name: "email with display name", in: map[string]string{"email": "Ann <a@b.co>"}, errField: "email"},
		{name: "email without dot domain", in: map[string]string{"email": "a@localhost"}, errField: "email"},
		{name: "bad country", in: map[string]string{"country": "XX"}, errField: "country"},
		{name: "three-letter country", in: map[string]string{"country": "NGA"}, errField: "country"},
		{name: "empty values dropped", in: map[string]string{"name": "Ann", "line2": "  "}, want: map[string]string{"name": "Ann"}},
		{name: "NFC", in: map[string]string{"name": "Zoe\u0308"}, want: map[string]string{"name": "Zoë"}},
		{name: "unknown field", in: map[string]string{"iban": "x"}, errField: "iban"},
		{name: "card with spaces", in: map[string]string{"note": "pay 4111 1111 1111 1111 ok"}, errField: "note", errHas: "payment card"},
		{name: "card with dashes", in: map[string]string{"line2": "5500-0000-0000-0004"}, errField: "line2", errHas: "payment card"},
		{name: "amex 15 digits", in: map[string]string{"note": "378282246310005"}, errField: "note", errHas: "payment card"},
		{name: "luhn-invalid long number kept", in: map[string]string{"note": "tracking 4111 1111 1111 1112"}, want: map[string]string{"note": "tracking 4111 1111 1111 1112"}},
		{name: "ssn", in: map[string]string{"note": "SSN 078-05-1120"}, errField: "note", errHas: "social security"},
		{name: "nigerian NIN", in: map[string]string{"note": "my NIN: 12345678901"}, errField: "note", errHas: "national ID"},
		{name: "uk NI number", in: map[string]string{"note": "NI AB 12 34 56 C"}, errField: "note", errHas: "national ID"},
		{name: "bidi override", in: map[string]string{"name": "Ali\u202eelim\u202c"}, errField: "name", errHas: "direction"},
		{name: "control char", in: map[string]string{"city": "Lagos\x1b[31m"}, errField: "city", errHas: "control"},
		{name: "newline allowed in note", in: map[string]string{"note": "ring twice\nthen wait"}, want: map[string]string{"note": "ring twice\nthen wait"}},
		{name: "note too long", in: map[string]string{"note": strings.Repeat("x", 2001)}, errField: "note", errHas: "too long"},
		{name: "invalid utf8", in: map[string]string{"name": "\xff\xfe"}, errField: "name", errHas: "UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizeFields(tc.in, tc.country)
			if tc.errField != "" {
				var in *InputError
				if !errors.As(err, &in) || in.Field != tc.errField || !strings.Contains(in.Reason, tc.errHas) {
					t.Fatalf("got %v, want InputError on %s containing %q", err, tc.errField, tc.errHas)
				}
				for _, v := range tc.in {
					if len(v) > 6 && strings.Contains(err.Error(), v) {
						t.Fatalf("error quotes the refused value: %v", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestNormalizeName(t *testing.T) {
	for in, want := range map[string]string{
		"Adébáyọ̀ Ọládípọ̀": "adebayo oladipo", "  ADEBAYO   oladipo ": "adebayo oladipo", "Jean-Luc O'Brien": "jean luc o'brien",
		"王小明": "王小明", "Дмитрий Иванов": "дмитрии иванов", "Søren": "søren",
	} {
		if got := NormalizeName(in); got != want {
			t.Errorf("NormalizeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseSpan(t *testing.T) {
	for in, want := range map[string]Span{"30d": {Days: 30}, "2w": {Days: 14}, "6m": {Months: 6}, "2y": {Years: 2}, "0d": {}} {
		got, err := ParseSpan(in)
		if err != nil || got.Days != want.Days || got.Months != want.Months || got.Years != want.Years {
			t.Errorf("ParseSpan(%q) = %+v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "d", "2 fortnights", "-3d", "3h", "1.5y", "+3d", "99999999y"} {
		if _, err := ParseSpan(in); err == nil {
			t.Errorf("ParseSpan(%q) accepted", in)
		}
	}
}

func FuzzNormalizeFields(f *testing.F) {
	for _, s := range []string{"0803 123 4567", "+44 20 7946 0000", "a@b.co", "4111 1111 1111 1111", "078-05-1120", "Ali\u202eelim", ""} {
		f.Add("phone", s, "NG")
		f.Add("note", s, "")
		f.Add("email", s, "")
	}
	f.Fuzz(func(t *testing.T, field, val, country string) {
		out, err := NormalizeFields(map[string]string{field: val}, country)
		if err != nil {
			var in *InputError
			if !errors.As(err, &in) {
				t.Fatalf("non-input error %v", err)
			}
			return
		}
		again, err := NormalizeFields(out, country)
		if err != nil {
			t.Fatalf("normalised output %q refused: %v", out, err)
		}
		for k, v := range out {
			if again[k] != v {
				t.Fatalf("not idempotent: %q -> %q", v, again[k])
			}
		}
		_ = NormalizeName(val)
		_ = NormalizeEmail(val)
	})
}

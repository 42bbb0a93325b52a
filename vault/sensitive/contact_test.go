package sensitive

import (
	"slices"
	"testing"
)

func TestDetectContact(t *testing.T) {
	tests := []struct {
		text, field string
		want        []Category
	}{
		// Refused: contact details in text kept in plaintext.
		{"call +234 803 123 9999", "reason", []Category{PhoneNumber}},
		{"mail a@b.co", "reason", []Category{EmailAddress}},
		{"Mateo Kim mateokim0@example.net asked", "reason", []Category{EmailAddress}},
		{"Mateo Kim called from +2348031239999", "reason", []Category{PhoneNumber}},
		{"mail old2@example.com", "reason", []Category{EmailAddress}},
		{"customer rang 0803 123 9999", "reason", []Category{PhoneNumber}},
		{"08031239999 asked for a refund", "reason", []Category{PhoneNumber}},
		{"asked via (415) 555-0136", "reason", []Category{PhoneNumber}},
		{"asked via 415-555-0136", "reason", []Category{PhoneNumber}},
		{"07700 900123 wants it held", "note", []Category{PhoneNumber}},
		{"whatsapp 2348031239999", "reason", []Category{PhoneNumber}},
		{"0044 20 7946 0958", "reason", []Category{PhoneNumber}},
		{"+44 (0)20 7946 0958", "courier", []Category{PhoneNumber}},
		{"tel:0803 123 9999", "reason", []Category{PhoneNumber}},
		{"＋２３４ ８０３ １２３ ９９９９", "reason", []Category{PhoneNumber}},
		{"MATEO@EXAMPLE.NET", "reason", []Category{EmailAddress}},
		{"a.b+shop@mail.example.co.uk, then +234 803 123 9999", "reason", []Category{EmailAddress, PhoneNumber}},
		{"2026-11-01 call 0803 123 9999", "reason", []Category{PhoneNumber}},
		{"+2348031239999", "ref", []Category{PhoneNumber}},
		{"call 0803 123 9999", "ref", []Category{PhoneNumber}},

		// Allowed: reasons, refs, dates, amounts and short numbers.
		{"customer asked by phone", "reason", nil},
		{"customer asked by email", "reason", nil},
		{"ORD-5000", "ref", nil},
		{"ORD-5000", "reason", nil},
		{"dispute on ORD-20261101", "reason", nil},
		{"2026-11-01 courier lost parcel", "reason", nil},
		{"01/11/2026 - 05/11/2026 away", "reason", nil},
		{"2026-11-01 2026-11-05", "reason", nil},
		{"#1001", "ref", nil},
		{"1001", "ref", nil},
		{"INV-2026-00042", "ref", nil},
		{"112-1234567-1234567", "ref", nil},
		{"1Z999AA10123456784", "ref", nil},
		{"794612345678", "ref", nil},
		{"7946 1234 5678", "ref", nil},
		{"0123456789", "ref", nil},
		{"9400111899223100001234", "ref", nil},
		{"JD014600006281234567", "ref", nil},
		{"RR123456789GB", "ref", nil},
		{"parcel 7946 1234 5678 lost", "reason", nil},
		{"order 12345678 disputed", "reason", nil},
		{"dispute on ORD-1042, IMEI 356938035643809", "reason", nil},
		{"refund 1 500 000 naira", "reason", nil},
		{"paid 15 000 000", "reason", nil},
		{"refund of $2500000", "reason", nil},
		{"gate code 4521", "note", nil},
		{"legal hold 2026-12-31", "reason", nil},
		{"GIG Logistics", "courier", nil},
		{"DHL Express", "courier", nil},
		{"@handle asked on instagram", "reason", nil},
		{"user@localhost", "reason", nil},
		{"weekly report 1234567", "reason", nil},
		{"0000123456", "ref", nil},
		{"0044 20 7946 0958", "ref", nil},
		{"order 0044207946", "reason", nil},
		{"batch 00000000000", "reason", nil},
		{"", "reason", nil},
	}
	for _, tt := range tests {
		got := CategoriesOf(DetectContact(tt.text, tt.field))
		if !slices.Equal(got, tt.want) {
			t.Errorf("DetectContact(%q, %q) = %v, want %v", tt.text, tt.field, got, tt.want)
		}
	}
}

// A finding's offsets cut out exactly the value, in the original text.
func TestDetectContactOffsets(t *testing.T) {
	text := "ok: Mateo@Example.net and ＋２３４ ８０３ １２３ ９９９９."
	fs := DetectContact(text, "reason")
	var got []string
	for _, f := range fs {
		got = append(got, text[f.Start:f.End])
	}
	want := []string{"Mateo@Example.net", "＋２３４ ８０３ １２３ ９９９９"}
	if !slices.Equal(got, want) {
		t.Errorf("values at the offsets = %q, want %q", got, want)
	}
}

func FuzzDetectContact(f *testing.F) {
	for _, s := range []string{"call +234 803 123 9999", "mail a@b.co", "ORD-5000", "2026-11-01 courier lost parcel", "(415) 555-0136", "+(", "a@.", "@@b.co", "0044 20"} {
		f.Add(s, "reason")
	}
	f.Fuzz(func(t *testing.T, text, field string) {
		prev := -1
		for _, fd := range DetectContact(text, field) {
			if fd.Start < 0 || fd.End > len(text) || fd.Start >= fd.End || fd.Start < prev {
				t.Fatalf("bad finding %+v in %q", fd, text)
			}
			if fd.Category != EmailAddress && fd.Category != PhoneNumber {
				t.Fatalf("category %q", fd.Category)
			}
			prev = fd.End
		}
	})
}

package vault

import (
	"reflect"
	"sort"
	"testing"
)

// Dedupe merges only a pair that holds nothing different: two people
// sharing an email or a phone (a family, added with AllowDuplicate) stay
// apart, and every alias still shows its own person's values.
func TestDedupeNeverLosesAnotherPersonsData(t *testing.T) {
	tests := []struct {
		name      string
		customers []map[string]string
		merged    int
		records   int
		differ    [][]string // of the pairs left apart, sorted
		listed    [][]string // FindDuplicates' Differ (keyless: names only), sorted
	}{
		{
			name: "a family sharing an email",
			customers: []map[string]string{
				{"name": "Family One", "email": "family@example.com", "city": "Lagos", "country": "NG"},
				{"name": "Family Two", "email": "family@example.com", "city": "Ikeja", "country": "NG"},
			},
			merged: 0, records: 2, differ: [][]string{{"name", "city"}}, listed: [][]string{{"name"}},
		},
		{
			name: "the same person written differently",
			customers: []map[string]string{
				{"name": "Adébáyọ̀ Ọládípọ̀", "email": "ade@example.ng", "city": "Yaba"},
				{"name": "adebayo  oladipo", "email": "ADE@example.ng", "city": "YABA", "phone": "+234 803 123 4567", "country": "NG"},
			},
			merged: 1, records: 1, listed: [][]string{nil},
		},
		{
			name: "the same name at another address",
			customers: []map[string]string{
				{"name": "Ann One", "email": "ann@example.com", "city": "Leeds", "country": "GB"},
				{"name": "Ann One", "email": "ann@example.com", "city": "York", "country": "GB"},
			},
			merged: 0, records: 2, differ: [][]string{{"city"}}, listed: [][]string{nil},
		},
		{
			name: "the same phone and name, another street",
			customers: []map[string]string{
				{"name": "Bola Ade", "phone": "+234 803 555 0101", "line1": "1 Allen Avenue"},
				{"name": "Bola Ade", "phone": "+234 803 555 0101", "line1": "9 Awolowo Road", "note": "gate"},
			},
			merged: 0, records: 2, differ: [][]string{{"line1"}}, listed: [][]string{nil},
		},
		{
			name: "a postcode written without its space",
			customers: []map[string]string{
				{"name": "Cy Dee", "email": "cy@example.co.uk", "postcode": "SW1A 1AA", "country": "GB"},
				{"name": "Cy Dee", "email": "cy@example.co.uk", "postcode": "sw1a1aa", "note": "side door"},
			},
			merged: 1, records: 1, listed: [][]string{nil},
		},
		{
			name: "three records: the third differs from the first two merged",
			customers: []map[string]string{
				{"name": "Dan Eze", "email": "dan@example.ng"},
				{"name": "Dan Eze", "email": "dan@example.ng", "city": "Lagos"},
				{"name": "Dan Eze", "email": "dan@example.ng", "city": "Abuja"},
			},
			// Whichever two merge first, the third holds another city.
			merged: 1, records: 2, differ: [][]string{{"city"}}, listed: [][]string{nil, nil},
		},
		{
			name: "a family of two sharing an email, one entered twice",
			customers: []map[string]string{
				{"name": "Efe One", "email": "efe@example.ng", "city": "Warri"},
				{"name": "Efe Two", "email": "efe@example.ng", "city": "Benin"},
				{"name": "efe two", "email": "EFE@example.ng", "city": "BENIN", "phone": "+234 803 555 0199", "country": "NG"},
			},
			merged: 1, records: 2, differ: [][]string{{"name", "city"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			v := f.open(t)
			defer func() { must(t, v.Close()) }()
			aliases := make([]string, len(tt.customers))
			for i, c := range tt.customers {
				aliases[i] = mustAdd(t, v, NewCustomer{Fields: c, AllowDuplicate: true})
			}
			want := make([]Customer, len(aliases))
			for i, a := range aliases {
				c, err := v.Show(a, nil)
				must(t, err)
				want[i] = c
			}
			listed, err := v.FindDuplicates()
			must(t, err)
			if tt.listed != nil && !reflect.DeepEqual(differs(listed, false), tt.listed) {
				t.Errorf("FindDuplicates differ = %v, want %v (%+v)", differs(listed, false), tt.listed, listed)
			}
			for _, p := range listed {
				if p.Merged {
					t.Errorf("FindDuplicates says %+v merged", p)
				}
			}
			pairs, err := v.Dedupe()
			must(t, err)
			merged := 0
			for _, p := range pairs {
				if p.Merged == (len(p.Differ) > 0) {
					t.Errorf("pair %+v: merged with differences, or left apart without", p)
				}
				if p.Merged {
					merged++
				}
			}
			if merged != tt.merged {
				t.Errorf("merged %d, want %d (%+v)", merged, tt.merged, pairs)
			}
			if got := differs(pairs, true); !reflect.DeepEqual(got, tt.differ) {
				t.Errorf("left apart differing in %v, want %v", got, tt.differ)
			}
			res, err := v.Check(false)
			if err != nil || res.Records != tt.records {
				t.Fatalf("check: %d records (want %d), %v", res.Records, tt.records, err)
			}
			for i, a := range aliases {
				got, err := v.Show(a, nil)
				must(t, err)
				for f, val := range want[i].Fields {
					if comparableValue(f, got.Fields[f]) != comparableValue(f, val) {
						t.Errorf("customer %d (%s) after dedupe: %s changed", i, a, f)
					}
				}
			}
		})
	}
}

// differs lists the Differ of the pairs (only those left apart, when
// apart), sorted for comparison.
func differs(pairs []DuplicatePair, apart bool) [][]string {
	var out [][]string
	for _, p := range pairs {
		if !apart || len(p.Differ) > 0 {
			out = append(out, p.Differ)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) < len(out[j]) })
	return out
}

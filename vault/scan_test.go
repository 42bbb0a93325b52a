package vault

import (
	"strings"
	"testing"
)

// TestScan: each kind of file reports where and what, never the value
// (issue 14).
func TestScan(t *testing.T) {
	tests := []struct {
		name, file, kind, text string
		want                   []ScanFinding
	}{
		{"csv header names columns", "a.csv", "", "name,note\nAda,pay 4111 1111 1111 1111\n",
			[]ScanFinding{{Unit: "row", Line: 2, Field: "note", Category: "card_number"}}},
		{"csv phone column reads phones", "a.csv", "", "name,Mobile Phone\nAda,2348031234567\n", nil},
		{"tab-separated", "a.tsv", "", "name\tnote\nAda\tPIN: 4521\n",
			[]ScanFinding{{Unit: "row", Line: 2, Field: "note", Category: "password"}}},
		{"headerless csv numbers columns", "a.csv", "", "Ada,ada@example.org,BVN 22212345678\n",
			[]ScanFinding{{Unit: "row", Line: 1, Field: "column 3", Category: "ng_bvn"}}},
		{"sensitive header is not a column name", "a.csv", "", "SSN 219-09-9999,x\n",
			[]ScanFinding{{Unit: "row", Line: 1, Field: "column 1", Category: "us_ssn"}}},
		{"vcard folded note", "c", "", "BEGIN:VCARD\r\nFN:Ada\r\nNOTE:IBAN GB82 WEST\r\n  1234 5698 7654 32\r\nEND:VCARD\r\n",
			[]ScanFinding{{Unit: "line", Line: 3, Field: "NOTE", Category: "iban"}}},
		{"vcard phone", "c.vcf", "", "BEGIN:VCARD\nTEL:+234 803 123 4567\nEND:VCARD\n", nil},
		{"text lines", "chat.txt", "", "hi\nmy cvv 123\n",
			[]ScanFinding{{Unit: "line", Line: 2, Category: "card_security_code"}}},
		{"forced kind", "notes.csv", ScanText, "a,b\nNIN-12345678901\n",
			[]ScanFinding{{Unit: "line", Line: 2, Category: "ng_nin"}}},
		{"clean", "x.txt", "", "gate code 4521\nORD-1042\n", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []ScanFinding
			err := Scan(strings.NewReader(tc.text), tc.file, tc.kind, func(f ScanFinding) error {
				got = append(got, f)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			for i := range got {
				tc.want[i].File = tc.file
				if got[i] != tc.want[i] {
					t.Errorf("finding %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// FuzzScan: any file, no panic, and every finding points at a line.
func FuzzScan(f *testing.F) {
	f.Add("a.csv", "name,note\nAda,4111 1111 1111 1111\n")
	f.Add("c.vcf", "BEGIN:VCARD\nNOTE:cvv 123\n x\nEND:VCARD\n")
	f.Add("t.txt", "PIN: 4521\n\"\n")
	f.Add("q.csv", "a;b\n\"x\"y;\"\n")
	f.Fuzz(func(t *testing.T, name, text string) {
		must(t, Scan(strings.NewReader(text), name, "", func(fd ScanFinding) error {
			if fd.Line < 1 || fd.Category == "" {
				t.Fatalf("bad finding %+v", fd)
			}
			return nil
		}))
	})
}

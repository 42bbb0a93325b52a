package main

import (
	"testing"

	"github.com/shopvault/shopvault/vault"
)

// The built-in sample must stay acceptable to the vault: a customer the
// guard or the normaliser refuses would break the first command a newcomer
// runs.
func TestDemoCustomersAreAccepted(t *testing.T) {
	customers, err := parseDemoCustomers(demoCustomers)
	if err != nil {
		t.Fatal(err)
	}
	if len(customers) < 20 {
		t.Fatalf("only %d sample customers", len(customers))
	}
	for i, c := range customers {
		if _, err := vault.PrepareCustomer(c); err != nil {
			t.Errorf("sample customer %d refused: %v", i+1, err)
		}
		for _, f := range []string{"name", "email", "line1", "city", "country"} {
			if c.Fields[f] == "" {
				t.Errorf("sample customer %d has no %s", i+1, f)
			}
		}
	}
}

func TestParseDemoCustomers(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		n       int
		consent []string
		wantErr bool
	}{
		{"one row with consents", "name,email,consent\nA B,a@example.org,marketing;sms\n", 1, []string{"marketing", "sms"}, false},
		{"empty values are left out", "name,email,consent\nA B,,\n", 1, nil, false},
		{"header only", "name,email\n", 0, nil, true},
		{"ragged row", "name,email\nA B\n", 0, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseDemoCustomers([]byte(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if len(got) != tc.n {
				t.Fatalf("%d customers, want %d", len(got), tc.n)
			}
			if tc.n > 0 {
				if _, ok := got[0].Fields["email"]; ok && tc.name == "empty values are left out" {
					t.Error("an empty value became a field")
				}
				if len(got[0].Consent) != len(tc.consent) {
					t.Errorf("consent %v, want %v", got[0].Consent, tc.consent)
				}
			}
		})
	}
}

package vault

import (
	"errors"
	"slices"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestParseConsentValue: what shop platforms write in consent columns;
// no/false never grant anything, and an unreadable value is refused
// without being repeated (issue 14).
func TestParseConsentValue(t *testing.T) {
	tests := []struct {
		column, value string
		want          []string
		refused       bool
	}{
		{"consent", "yes", []string{"marketing"}, false},
		{"consent", "YES", []string{"marketing"}, false},
		{"consent", "no", nil, false},
		{"consent", "FALSE", nil, false},
		{"consent", "true", []string{"marketing"}, false},
		{"consent", "0", nil, false},
		{"consent", "1", []string{"marketing"}, false},
		{"consent", "y", []string{"marketing"}, false},
		{"consent", "n", nil, false},
		{"consent", "subscribed", []string{"marketing"}, false},
		{"consent", "unsubscribed", nil, false},
		{"consent", "", nil, false},
		{"consent", "marketing;sms", []string{"marketing", "sms"}, false},
		{"consent", "SMS, Marketing", []string{"marketing", "sms"}, false},
		{"consent", "marketing;no", nil, true},
		{"consent", "maybe", nil, true},
		{"consent", "4111 1111 1111 1111", nil, true},
		{"consent:sms", "yes", []string{"sms"}, false},
		{"consent:sms", "no", nil, false},
		{"consent:marketing", "pending", nil, false},
		{"consent:marketing", "not_subscribed", nil, false},
		{"consent:marketing", "marketing", nil, true},
		{"Accepts Email Marketing", "yes", []string{"marketing"}, false},
		{"Accepts Email Marketing", "no", nil, false},
		{"Accepts SMS Marketing", "yes", []string{"sms"}, false},
		{"Accepts SMS Marketing", "TRUE", []string{"sms"}, false},
		{"accepts sms marketing", "unsubscribed", nil, false},
		{"marketing_opt_in", "1", []string{"marketing"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.column+"="+tc.value, func(t *testing.T) {
			got, err := ParseConsentValue(tc.column, tc.value)
			if tc.refused {
				var in *InputError
				if !errors.As(err, &in) || in.Field != "consent" {
					t.Fatalf("got %v, %v; want a consent InputError", got, err)
				}
				if tc.value != "" && strings.Contains(err.Error(), tc.value) {
					t.Fatalf("the refusal repeats the value: %v", err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestValidateConsentRefusesUnknownPurposes(t *testing.T) {
	for in, ok := range map[string]bool{"marketing": true, "sms": true, "whatsapp": true, "no": false, "yes": false, "Marketing": false, "newsletter": false} {
		err := ValidateConsent([]string{in})
		if (err == nil) != ok {
			t.Errorf("ValidateConsent(%q) = %v", in, err)
		}
		if err != nil && strings.Contains(err.Error(), `"`+in+`"`) {
			t.Errorf("ValidateConsent(%q) repeats the value: %v", in, err)
		}
	}
}

// FuzzParseConsentValue: any cell, no panic; what it grants is a known
// purpose, and a refusal never repeats the cell.
func FuzzParseConsentValue(f *testing.F) {
	for _, s := range []string{"yes", "no", "FALSE", "marketing;sms", "perhaps", "1", "subscribed", " No "} {
		f.Add("consent", s)
		f.Add("Accepts SMS Marketing", s)
	}
	f.Fuzz(func(t *testing.T, column, value string) {
		got, err := ParseConsentValue(column, value)
		if err != nil {
			if len(value) > 3 && strings.Contains(err.Error(), value) && !strings.Contains("consent: is not a consent value shopvault reads (yes/no, true/false, 1/0, subscribed/unsubscribed, or purposes: "+strings.Join(ConsentPurposes, ", ")+")", value) {
				t.Fatalf("refusal repeats the value: %v", err)
			}
			return
		}
		for _, p := range got {
			if !IsConsentPurpose(p) {
				t.Fatalf("granted unknown purpose %q", p)
			}
		}
	})
}

// TestInventoryIgnoresLegacyConsentValues: a vault imported before consent
// values were read may hold "no" as a granted purpose; it is not counted,
// so the privacy notice never offers it (issue 14).
func TestInventoryIgnoresLegacyConsentValues(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	defer func() { must(t, v.Close()) }()
	nc := sampleCustomer(1)
	nc.Consent = []string{"marketing"}
	alias, err := v.Add(nc)
	if err != nil {
		t.Fatal(err)
	}
	err = v.update(func(tx *bolt.Tx) error {
		id, m, _, err := v.resolve(tx, alias)
		if err != nil {
			return err
		}
		m.Consent["no"] = Consent{Granted: true, At: m.Created}
		return v.putMeta(tx, id, m)
	})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := v.Inventory(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Consents) != 1 || inv.Consents["marketing"] != 1 {
		t.Fatalf("consents %v, want only marketing", inv.Consents)
	}
}

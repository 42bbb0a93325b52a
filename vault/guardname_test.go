package vault

import (
	"errors"
	"testing"

	"filippo.io/age"
)

func TestNameWords(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"Zoë J. O'Neil", []string{"zoe", "neil"}},
		{"NGOZI  okafor-Eze", []string{"ngozi", "okafor", "eze"}},
		{"call 0803", []string{"call"}},
		{"", nil},
	}
	for _, tt := range tests {
		got := nameWords(tt.text)
		if len(got) != len(tt.want) {
			t.Errorf("nameWords(%q) = %q, want %q", tt.text, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("nameWords(%q) = %q, want %q", tt.text, got, tt.want)
			}
		}
	}
}

// A command acting on one customer refuses a reason that names them (every
// word of the name, any order, case or accents) and writes nothing.
func TestReasonNamingTheCustomerIsRefused(t *testing.T) {
	f, aliases := newFixtureWithCustomers(t, 2) // "Ngozi Okafor 0", "Ngozi Okafor 1"
	alias := aliases[0]
	openWith := func(reason string) *Vault {
		t.Helper()
		o := f.opts([]age.Identity{f.owner})
		o.Reason = reason
		v, err := Open(f.path, o)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	refused := func(err error) bool {
		var in *InputError
		return errors.As(err, &in) && in.Category == "customer_name"
	}
	until := f.clock.t.AddDate(0, 3, 0)
	tests := []struct {
		reason string
		refuse bool
	}{
		{"Ngozi Okafor called", true},
		{"OKAFOR, ngozi asked", true},
		{"asked for Ngózi Okafor's parcel", true},
		{"Ngozi asked", false}, // part of a name is any word
		{"customer asked by phone", false},
		{"", false},
	}
	for _, tt := range tests {
		v := openWith(tt.reason)
		_, showErr := v.Show(alias, nil)
		_, holdErr := v.SetHold(alias, until, "dispute")
		var forgetErr error
		if tt.refuse { // the refused cases come first: aliases[1] is still there
			_, forgetErr = v.Forget(aliases[1])
		}
		must(t, v.Close())
		for what, err := range map[string]error{"show": showErr, "hold": holdErr} {
			if refused(err) != tt.refuse || (!tt.refuse && err != nil) {
				t.Errorf("--reason %q: %s: %v, want refused: %v", tt.reason, what, err, tt.refuse)
			}
		}
		if tt.refuse && !refused(forgetErr) {
			t.Errorf("--reason %q: forget of the other Ngozi Okafor: %v, want refused", tt.reason, forgetErr)
		}
	}

	// hold's own reason, and nothing written
	v := openWith("")
	defer func() { must(t, v.Close()) }()
	if _, err := v.SetHold(alias, until, "Okafor Ngozi disputes it"); !refused(err) {
		t.Fatalf("hold --reason naming the customer: %v, want refused", err)
	}
	c, err := v.Show(alias, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Hold != nil && c.Hold.Reason == "Okafor Ngozi disputes it" {
		t.Fatal("the refused hold reason was stored")
	}
}

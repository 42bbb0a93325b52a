package vault

import (
	"errors"
	"testing"
	"time"
)

// IssueAlias refuses an expiry that is not in the future (the alias would
// be expired when issued, on a label already printed) and writes nothing;
// an alias issued to expire later resolves until then, and afterwards
// says it expired.
func TestIssueAliasExpiry(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) // the fixture's clock
	at := func(t time.Time) *time.Time { return &t }
	tests := []struct {
		name    string
		expires *time.Time
		refused bool
	}{
		{"no expiry", nil, false},
		{"a length of 0 (now)", at(now), true},
		{"an hour ago", at(now.Add(-time.Hour)), true},
		{"today's date (midnight past)", at(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)), true},
		{"a past year", at(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)), true},
		{"a second from now", at(now.Add(time.Second)), false},
		{"30 days", at(now.AddDate(0, 0, 30)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			v := f.open(t)
			defer func() { must(t, v.Close()) }()
			primary := mustAdd(t, v, NewCustomer{Fields: map[string]string{"name": "Ngozi Okafor", "city": "Ikoyi"}})
			alias, err := v.IssueAlias(primary, "gig", "", tt.expires)
			var in *InputError
			if tt.refused {
				if !errors.As(err, &in) || in.Field != "expires" || in.Hint == "" {
					t.Fatalf("IssueAlias: %q, %v; want an InputError on expires with a hint", alias, err)
				}
				if as, err := v.ListAliases(primary); err != nil || len(as) != 1 {
					t.Errorf("after a refusal: %d aliases (%v), want the primary only", len(as), err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c, err := v.Show(alias, nil); err != nil || c.Fields["name"] != "Ngozi Okafor" {
				t.Fatalf("show the new alias: %v", err)
			}
			if tt.expires == nil {
				return
			}
			f.clock.t = tt.expires.Add(time.Second)
			var nf *NotFoundError
			if _, err := v.Show(alias, nil); !errors.As(err, &nf) || nf.Reason != NotFoundExpired || !nf.When.Equal(*tt.expires) {
				t.Errorf("show after the expiry: %v, want NotFoundExpired at %v", err, tt.expires)
			}
		})
	}
}

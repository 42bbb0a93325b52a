package vault

import (
	"errors"
	"strings"
	"testing"
)

// Add and AddAll apply import's duplicate rule: the same email (after
// normalisation), or the same phone and name, is refused with the
// existing customer's alias and the rule, never the value; AllowDuplicate
// adds anyway; a shared phone with another name (a household) is added.
func TestAddRefusesDuplicates(t *testing.T) {
	existing := map[string]string{"name": "Ngozi Okafor", "email": "ngozi@example.ng", "phone": "+234 803 555 0101", "country": "NG"}
	tests := []struct {
		name   string
		fields map[string]string
		allow  bool
		rule   DuplicateRule // "" when added
	}{
		{"same email written differently", map[string]string{"name": "Chinedu Okafor", "email": " NGOZI@Example.NG "}, false, DuplicateEmail},
		{"same phone and name", map[string]string{"name": "NGOZI  okafor", "phone": "0803 555 0101", "country": "NG"}, false, DuplicatePhoneName},
		{"same phone, another name (household)", map[string]string{"name": "Chinedu Okafor", "phone": "+234 803 555 0101"}, false, ""},
		{"same name, another phone", map[string]string{"name": "Ngozi Okafor", "phone": "+234 803 555 0199"}, false, ""},
		{"another email", map[string]string{"name": "Ngozi Okafor", "email": "ngozi.o@example.ng"}, false, ""},
		{"same email allowed (a family)", map[string]string{"name": "Emeka Okafor", "email": "ngozi@example.ng"}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			v := f.open(t)
			defer func() { must(t, v.Close()) }()
			first := mustAdd(t, v, NewCustomer{Fields: existing})
			_, err := v.Add(NewCustomer{Fields: tt.fields, AllowDuplicate: tt.allow})
			var dup *DuplicateError
			switch {
			case tt.rule == "" && err != nil:
				t.Fatalf("add: %v, want added", err)
			case tt.rule != "" && !errors.As(err, &dup):
				t.Fatalf("add: %v, want a DuplicateError", err)
			case tt.rule != "":
				var in *InputError
				if dup.Alias != first || dup.Rule != tt.rule || !errors.As(err, &in) || !errors.Is(err, ErrDuplicate) {
					t.Errorf("refusal %+v (%v), want alias %s, rule %q, an InputError", dup, err, first, tt.rule)
				}
				for _, val := range tt.fields {
					if strings.Contains(strings.ToLower(err.Error()), strings.ToLower(strings.TrimSpace(val))) {
						t.Errorf("the refusal %q holds the value %q", err, val)
					}
				}
			}
			want := 2
			if tt.rule != "" {
				want = 1 // nothing written
			}
			if all, err := v.List(ListFilter{}); err != nil || len(all) != want {
				t.Errorf("%d customers after the add (%v), want %d", len(all), err, want)
			}
		})
	}
}

// AddAll is all or nothing and also refuses a duplicate of an earlier
// entry of the same batch, naming the entry.
func TestAddAllRefusesDuplicatesInTheBatch(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	defer func() { must(t, v.Close()) }()
	batch := []NewCustomer{
		{Fields: map[string]string{"name": "Ada Obi", "email": "ada@example.org"}},
		{Fields: map[string]string{"name": "Bo Bell", "email": "bo@example.org"}},
		{Fields: map[string]string{"name": "Ada O.", "email": "ADA@example.org"}},
	}
	_, err := v.AddAll(batch)
	var dup *DuplicateError
	if !errors.As(err, &dup) || dup.Entry != 2 || dup.Rule != DuplicateEmail {
		t.Fatalf("AddAll: %v, want a DuplicateError for entry 2", err)
	}
	if all, err := v.List(ListFilter{}); err != nil || len(all) != 0 {
		t.Fatalf("%d customers after a refused batch (%v), want 0", len(all), err)
	}
	batch[2].AllowDuplicate = true
	if aliases, err := v.AddAll(batch); err != nil || len(aliases) != 3 {
		t.Fatalf("AddAll with the duplicate allowed: %v %v", aliases, err)
	}
}

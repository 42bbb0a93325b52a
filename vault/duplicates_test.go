package vault

import (
	"errors"
	"reflect"
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

// Edit applies the same duplicate rule to what it changes: an email, or a
// phone and name, another customer already has is refused with that
// customer's alias (never the value) and nothing is changed;
// AllowDuplicate changes it anyway. The customer's own values, and a part
// of the rule the edit leaves alone, are not matches.
func TestEditRefusesDuplicates(t *testing.T) {
	ngozi := map[string]string{"name": "Ngozi Okafor", "email": "ngozi@example.ng", "phone": "+234 803 555 0101", "country": "NG"}
	chinedu := map[string]string{"name": "Chinedu Eze", "email": "chinedu@example.ng", "phone": "+234 803 555 0202", "country": "NG"}
	emeka := map[string]string{"name": "Emeka Okafor", "email": "ngozi@example.ng", "country": "NG"} // a family sharing ngozi's email
	tests := []struct {
		name  string
		who   string // chinedu, ngozi or emeka
		set   map[string]string
		allow bool
		rule  DuplicateRule // "" when changed
	}{
		{"another's email written differently", "chinedu", map[string]string{"email": " NGOZI@Example.NG "}, false, DuplicateEmail},
		{"another's email allowed (a family)", "chinedu", map[string]string{"email": "ngozi@example.ng"}, true, ""},
		{"another's phone and name", "chinedu", map[string]string{"phone": "0803 555 0101", "name": "NGOZI  okafor"}, false, DuplicatePhoneName},
		{"another's name, own phone", "chinedu", map[string]string{"name": "Ngozi Okafor"}, false, ""},
		{"another's phone (a household)", "chinedu", map[string]string{"phone": "+234 803 555 0101"}, false, ""},
		{"own email in capitals", "ngozi", map[string]string{"email": "NGOZI@EXAMPLE.NG", "city": "Enugu"}, false, ""},
		{"own email set again", "ngozi", map[string]string{"email": "ngozi@example.ng"}, false, ""},
		{"a family member's city (email left alone)", "emeka", map[string]string{"city": "Onitsha"}, false, ""},
		{"a family member's own email set again", "emeka", map[string]string{"email": "ngozi@example.ng"}, false, ""},
		{"a family member takes ngozi's phone, another name", "emeka", map[string]string{"phone": "+234 803 555 0101"}, false, ""},
		{"ngozi's name then matches ngozi's phone", "emeka", map[string]string{"phone": "+234 803 555 0101", "name": "Ngozi Okafor"}, false, DuplicatePhoneName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			v := f.open(t)
			defer func() { must(t, v.Close()) }()
			aliases := map[string]string{
				"ngozi":   mustAdd(t, v, NewCustomer{Fields: ngozi}),
				"chinedu": mustAdd(t, v, NewCustomer{Fields: chinedu}),
				"emeka":   mustAdd(t, v, NewCustomer{Fields: emeka, AllowDuplicate: true}),
			}
			before, err := v.Show(aliases[tt.who], nil)
			must(t, err)
			_, err = v.EditWith(aliases[tt.who], tt.set, EditOptions{AllowDuplicate: tt.allow})
			var dup *DuplicateError
			switch {
			case tt.rule == "" && err != nil:
				t.Fatalf("edit: %v, want changed", err)
			case tt.rule != "" && !errors.As(err, &dup):
				t.Fatalf("edit: %v, want a DuplicateError", err)
			case tt.rule != "":
				var in *InputError
				if dup.Alias != aliases["ngozi"] || dup.Rule != tt.rule || !errors.As(err, &in) || !errors.Is(err, ErrDuplicate) {
					t.Errorf("refusal %+v (%v), want alias %s, rule %q, an InputError", dup, err, aliases["ngozi"], tt.rule)
				}
				for _, val := range tt.set {
					if strings.Contains(strings.ToLower(err.Error()), strings.ToLower(strings.TrimSpace(val))) {
						t.Errorf("the refusal %q holds the value %q", err, val)
					}
				}
				after, err := v.Show(aliases[tt.who], nil)
				must(t, err)
				if !reflect.DeepEqual(after.Fields, before.Fields) || !after.Updated.Equal(before.Updated) {
					t.Errorf("a refused edit changed the customer: %v, was %v", after.Fields, before.Fields)
				}
			}
		})
	}
}

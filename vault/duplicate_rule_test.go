package vault

import (
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// Issue 16: the phone-and-name duplicate rule (hasIndexEntry under the
// phone matches) had no test. A row is the same customer when its phone
// and its name both match one existing customer; a shared phone with
// another name is a household member, kept apart.
func TestPhoneAndNameDuplicateRule(t *testing.T) {
	tests := []struct {
		name, row                string
		merge                    bool
		added, merged, duplicate int
	}{
		{"same phone and name", "Ngozi Okafor,+234 803 555 0101,", false, 0, 0, 1},
		{"same name written differently", "  NGOZI   okafor ,0803 555 0101,", false, 0, 0, 1},
		{"same phone, another name (household)", "Chinedu Okafor,+234 803 555 0101,", false, 1, 0, 0},
		{"same name, another phone", "Ngozi Okafor,+234 803 555 0199,", false, 1, 0, 0},
		{"merge fills the email of the match", "Ngozi Okafor,+234 803 555 0101,ngozi@example.ng", true, 0, 1, 0},
		{"merge keeps a household member apart", "Chinedu Okafor,+234 803 555 0101,chinedu@example.ng", true, 1, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			v := f.open(t)
			defer func() { must(t, v.Close()) }()
			mustAdd(t, v, NewCustomer{Fields: map[string]string{"name": "Ngozi Okafor", "phone": "+234 803 555 0101", "country": "NG"}})
			rows, err := NewRowReader(strings.NewReader("name,phone,email,country\n"+tt.row+",NG\n"), "", nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := v.Import(rows, ImportOptions{Merge: tt.merge})
			if err != nil {
				t.Fatal(err)
			}
			if res.Added != tt.added || res.Merged != tt.merged || res.Duplicates != tt.duplicate {
				t.Fatalf("import %q (merge=%v): added %d merged %d duplicates %d, want %d %d %d",
					tt.row, tt.merge, res.Added, res.Merged, res.Duplicates, tt.added, tt.merged, tt.duplicate)
			}
		})
	}
}

// hasIndexEntry itself: an exact-key check of one record's name entry.
func TestHasIndexEntry(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	defer func() { must(t, v.Close()) }()
	mustAdd(t, v, NewCustomer{Fields: map[string]string{"name": "Ngozi Okafor", "phone": "+234 803 555 0101", "country": "NG"}})
	mustAdd(t, v, NewCustomer{Fields: map[string]string{"name": "Chinedu Okafor", "phone": "+234 803 555 0101", "country": "NG"}})
	err := v.view(func(tx *bolt.Tx) error {
		ids, err := v.lookupWith(tx, kindPhone, func() string { return "+2348035550101" }, nil)
		if err != nil {
			return err
		}
		if len(ids) != 2 {
			t.Fatalf("phone lookup found %d records, want 2", len(ids))
		}
		withName := 0
		for id := range ids {
			for _, tt := range []struct {
				name string
				want *int
			}{{NormalizeName("Ngozi Okafor"), &withName}, {NormalizeName("Nobody Here"), nil}} {
				found, err := v.hasIndexEntry(tx, kindName, func() string { return tt.name }, nil, id)
				if err != nil {
					return err
				}
				if found && tt.want == nil {
					t.Errorf("record %x has a name entry for a name nobody has", id)
				}
				if found && tt.want != nil {
					*tt.want++
				}
			}
		}
		if withName != 1 {
			t.Errorf("%d of the phone's records have Ngozi's name entry, want exactly 1", withName)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

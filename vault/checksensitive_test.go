package vault

import (
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// plant stores a value as a vault filled before the guard knew it would
// have: straight into the sealed record, past NormalizeFields.
func plant(t *testing.T, v *Vault, alias, field, value string) {
	t.Helper()
	err := v.update(func(tx *bolt.Tx) error {
		id, m, _, err := v.resolve(tx, alias)
		if err != nil {
			return err
		}
		cur, err := v.readFields(tx, id, m, m.Fields)
		if err != nil {
			return err
		}
		cur[field] = value
		if err := v.writeFields(tx, id, m, cur); err != nil {
			return err
		}
		return v.putMeta(tx, id, m)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCheckSensitive: stored values the guard refuses today are listed by
// alias, field and category, dropped on request with an audit entry that
// names no value, and other fields stay (issue 14).
func TestCheckSensitive(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	defer func() { must(t, v.Close()) }()
	a, err := v.Add(sampleCustomer(1))
	if err != nil {
		t.Fatal(err)
	}
	b, err := v.Add(sampleCustomer(2))
	if err != nil {
		t.Fatal(err)
	}
	plant(t, v, a, "note", "BVN: 22212345678")
	plant(t, v, a, "line2", "password is tiger77")

	res, err := v.CheckSensitive(false)
	if err != nil {
		t.Fatal(err)
	}
	want := []SensitiveFinding{{Alias: a, Field: "line2", Category: "password"}, {Alias: a, Field: "note", Category: "ng_bvn"}}
	if res.Records != 2 || len(res.Findings) != 2 || res.Findings[0] != want[0] || res.Findings[1] != want[1] {
		t.Fatalf("got %+v, want %+v", res, want)
	}

	res, err = v.CheckSensitive(true)
	if err != nil || res.Dropped != 2 {
		t.Fatalf("drop: %+v, %v", res, err)
	}
	c, err := v.Show(a, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Fields["note"] != "" || c.Fields["line2"] != "" || c.Fields["name"] != "Ngozi Okafor 1" {
		t.Fatalf("after drop: %v", c.Fields)
	}
	if res, err := v.CheckSensitive(false); err != nil || len(res.Findings) != 0 {
		t.Fatalf("after drop: %+v, %v", res, err)
	}
	if _, err := v.Show(b, nil); err != nil {
		t.Fatal(err)
	}
	entries, err := v.AuditList(AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	drops := 0
	for _, e := range entries {
		if e.Action == "drop sensitive" {
			drops++
			if e.Detail != "line2 (password), note (ng_bvn)" {
				t.Errorf("drop entry detail %q", e.Detail)
			}
		}
		if strings.Contains(e.Detail, "22212345678") || strings.Contains(e.Detail, "tiger77") {
			t.Errorf("audit entry repeats a value: %+v", e)
		}
	}
	if drops != 1 {
		t.Errorf("%d drop entries, want 1", drops)
	}
}

package vault

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/shopvault/shopvault/crypto"
)

// committedFixture copies a vault committed under dir (v.db.gz, see
// testdata/README) into a temp folder, decompressed, and returns a fixture
// on it and a reader of dir's identity files.
func committedFixture(t *testing.T, dir string) (*fixture, func(name string) []age.Identity) {
	t.Helper()
	data := gunzipFixture(t, filepath.Join(dir, "v.db.gz"))
	path := filepath.Join(t.TempDir(), "v.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	ids := func(name string) []age.Identity {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := crypto.ParseIdentityFile(data, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return parsed
	}
	f := &fixture{path: path, state: t.TempDir(), clock: &clock{time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}, rand: newSeeded(3)}
	return f, ids
}

// testdata/format3 was written by the shopvault of 2026-11-23 (before
// roles and groups were typed): an owner, support-desk and shipping-desk,
// two customers (one added by support), a contact rotation and a shipment
// by shipping-desk. Its signed policy, heads and hashed audit log must
// still verify, and each role must still open what it opened then.
func TestOpensFormat3VaultFromBefore(t *testing.T) {
	f, ids := committedFixture(t, "testdata/format3")
	o, err := Open(f.path, f.opts(ids("owner.txt")))
	if err != nil {
		t.Fatalf("owner open: %v", err)
	}
	if res, err := o.Check(false); err != nil || len(res.Hints) != 0 {
		t.Fatalf("check: %+v %v", res, err)
	}
	if rep, err := o.AuditVerify(); err != nil || rep.Pending != 0 || rep.Entries != 9 {
		t.Fatalf("audit verify: %+v %v", rep, err)
	}
	rs, err := o.Recipients()
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]Role{}
	for _, r := range rs {
		roles[r.Label] = r.Role
		if len(r.Groups) == 0 {
			t.Errorf("%s (%s) opens no group", r.Label, r.Role)
		}
	}
	if roles["owner"] != RoleOwner || roles["support-desk"] != RoleSupport || roles["shipping-desk"] != RoleShipping {
		t.Fatalf("roles read back: %v", roles)
	}
	log, err := o.AuditList(AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	shipped := false
	for _, e := range log {
		shipped = shipped || e.Action == "ship" && e.Role == RoleShipping && e.Actor == "shipping-desk"
	}
	if !shipped {
		t.Errorf("the shipping desk's shipment is not in the log with its role: %+v", log)
	}
	c, err := o.Show("56CW-HYF3-6", []string{"name", "email"})
	if err != nil || c.Fields["name"] != "Ada Lovelace" || c.Fields["email"] != "ada@example.org" {
		t.Fatalf("owner show: %+v %v", c, err)
	}
	must(t, o.Close())

	s, err := Open(f.path, f.opts(ids("shipping.txt")))
	if err != nil {
		t.Fatalf("shipping open: %v", err)
	}
	if c, err := s.Show("Z8EJ-0C25-F", []string{"city"}); err != nil || c.Fields["city"] != "Nairobi" {
		t.Errorf("shipping show city: %+v %v", c, err)
	}
	var nr *NeedRoleError
	if _, err := s.Show("Z8EJ-0C25-F", []string{"email"}); !errors.As(err, &nr) || nr.Role != RoleShipping {
		t.Errorf("shipping show email: %v, want a NeedRoleError for role shipping", err)
	}
	must(t, s.Close())

	p, err := Open(f.path, f.opts(ids("support.txt")))
	if err != nil {
		t.Fatalf("support open: %v", err)
	}
	if c, err := p.Show("Z8EJ-0C25-F", []string{"email"}); err != nil || c.Fields["email"] != "wanjiru@example.co.ke" {
		t.Errorf("support show email: %+v %v", c, err)
	}
	must(t, p.Close())

	// A rotation written now over the old entries still checks.
	o, err = Open(f.path, f.opts(ids("owner.txt")))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { must(t, o.Close()) }()
	if _, err := o.Rotate([]Group{GroupShipping}); err != nil {
		t.Fatalf("rotate: %v", err)
	}
	if res, err := o.Check(false); err != nil || len(res.Hints) != 0 {
		t.Fatalf("check after rotate: %+v %v", res, err)
	}
}

package vault

import (
	"encoding/json"
	"errors"
	"testing"
)

// Role and group names as a person types them: known ones parse (roles in
// any case), anything else is the sentinel, as an *InputError (exit 5).
func TestParseRoleAndGroup(t *testing.T) {
	role := func(s string) (string, error) { r, err := ParseRole(s); return string(r), err }
	group := func(s string) (string, error) { g, err := ParseGroup(s); return string(g), err }
	for _, tc := range []struct {
		parse func(string) (string, error)
		in    string
		want  string
		err   error
	}{
		{role, "owner", "owner", nil},
		{role, "Support", "support", nil},
		{role, "SHIPPING", "shipping", nil},
		{role, "", "", ErrUnknownRole},
		{role, "admin", "", ErrUnknownRole},
		{role, "purge", "", ErrUnknownRole}, // the purge key signs heads but is no recipient's role
		{role, " owner", "", ErrUnknownRole},
		{group, "shipping", "shipping", nil},
		{group, "contact", "contact", nil},
		{group, "notes", "notes", nil},
		{group, "index", "index", nil},
		{group, "audit", "audit", nil},
		{group, "state", "", ErrUnknownGroup}, // internal: rotated with every rotation
		{group, "all", "", ErrUnknownGroup},   // a CLI word, not a group
		{group, "Contact", "", ErrUnknownGroup},
		{group, "", "", ErrUnknownGroup},
	} {
		got, err := tc.parse(tc.in)
		var in *InputError
		if got != tc.want || !errors.Is(err, tc.err) || (err != nil && !errors.As(err, &in)) {
			t.Errorf("parse(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// Roles and groups are stored inside signed and hashed JSON (recipient
// entries, heads, the audit log, rotation progress): typing them must not
// change one byte of what is stored.
func TestRoleAndGroupJSONUnchanged(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    any
		want string
	}{
		{"recipient entry", recipientInfo{Recipient: "age1x", Role: RoleSupport, Label: "ada"},
			`{"recipient":"age1x","role":"support","label":"ada","added":"0001-01-01T00:00:00Z"}`},
		{"audit entry", AuditEntry{Actor: "ada", Role: RoleShipping, Action: "label"},
			`{"seq":0,"time":"0001-01-01T00:00:00Z","actor":"ada","role":"shipping","action":"label","prev":"","hash":""}`},
		{"keyless audit entry", AuditEntry{Actor: "cron", Action: "purge"},
			`{"seq":0,"time":"0001-01-01T00:00:00Z","actor":"cron","action":"purge","prev":"","hash":""}`},
		{"rotation", rotation{Groups: []Group{GroupContact, GroupState}, To: map[Group]uint32{GroupState: 3, GroupContact: 2}},
			`{"groups":["contact","state"],"to":{"contact":2,"state":3},"cursor":"","total":0,"done":0}`},
		{"recipients by role", map[Role]int{RoleOwner: 1, RoleShipping: 2},
			`{"owner":1,"shipping":2}`},
	} {
		got, err := json.Marshal(tc.v)
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: %s, %v\nwant %s", tc.name, got, err, tc.want)
		}
	}
}

func TestRolesFor(t *testing.T) {
	for _, tc := range []struct {
		groups []Group
		want   string
	}{
		{[]Group{GroupShipping}, "shipping or support or owner"},
		{[]Group{GroupContact}, "support or owner"},
		{[]Group{GroupAudit}, "owner"},
		{[]Group{GroupState}, "shipping or support or owner"},
	} {
		if got := joinRoles(RolesFor(tc.groups)); got != tc.want {
			t.Errorf("RolesFor(%v) = %q, want %q", tc.groups, got, tc.want)
		}
	}
}

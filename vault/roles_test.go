package vault

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestParseRole(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Role
		err  error
	}{
		{"owner", RoleOwner, nil},
		{"Support", RoleSupport, nil},
		{"SHIPPING", RoleShipping, nil},
		{"", "", ErrUnknownRole},
		{"admin", "", ErrUnknownRole},
		{"purge", "", ErrUnknownRole}, // the purge key signs heads but is no recipient's role
		{" owner", "", ErrUnknownRole},
	} {
		got, err := ParseRole(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("ParseRole(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestParseGroup(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Group
		err  error
	}{
		{"shipping", GroupShipping, nil},
		{"contact", GroupContact, nil},
		{"notes", GroupNotes, nil},
		{"index", GroupIndex, nil},
		{"audit", GroupAudit, nil},
		{"state", "", ErrUnknownGroup}, // internal: rotated with every rotation
		{"all", "", ErrUnknownGroup},   // a CLI word, not a group
		{"Contact", "", ErrUnknownGroup},
		{"", "", ErrUnknownGroup},
	} {
		got, err := ParseGroup(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("ParseGroup(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
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

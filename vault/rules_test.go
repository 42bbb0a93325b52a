package vault

import (
	"errors"
	"strings"
	"testing"
)

// Issue 5: bad rules files give exit 5 with the line number.
func TestParseRulesErrors(t *testing.T) {
	head := "[[rule]]\nname = \"x\"\n"
	tests := []struct {
		name, body string
		line       int
		has        string
	}{
		{"unknown unit", head + "when = \"created\"\nolder_than = \"2 fortnights\"\naction = \"erase\"\n", 4, "not a length of time"},
		{"negative", head + "when = \"created\"\nolder_than = \"-3d\"\naction = \"erase\"\n", 4, "negative"},
		{"unknown action", head + "when = \"created\"\nolder_than = \"3d\"\naction = \"shred\"\n", 5, "not erase or drop"},
		{"unknown field", head + "when = \"created\"\nolder_than = \"3d\"\naction = \"drop\"\nfields = [\"iban\"]\n", 6, "not a field"},
		{"drop without fields", head + "when = \"created\"\nolder_than = \"3d\"\naction = \"drop\"\n", 5, "drop needs fields"},
		{"erase with fields", head + "when = \"created\"\nolder_than = \"3d\"\naction = \"erase\"\nfields = [\"note\"]\n", 6, "only go with"},
		{"unknown trigger", head + "when = \"birthday\"\nolder_than = \"3d\"\naction = \"erase\"\n", 3, "not one of"},
		{"unknown key", head + "when = \"created\"\ncolour = \"red\"\n", 4, "unknown key \"colour\""},
		{"no name", "[[rule]]\nwhen = \"created\"\nolder_than = \"3d\"\naction = \"erase\"\n", 1, "needs a name"},
		{"second rule", string(ExampleRules) + "\n[[rule]]\nname = \"y\"\nwhen = \"created\"\nolder_than = \"1q\"\naction = \"erase\"\n", strings.Count(ExampleRules, "\n") + 5, "unknown unit"},
		{"not toml", "[[rule]\nname=", 1, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRules([]byte(tc.body))
			var re *RulesError
			if !errors.As(err, &re) || re.Line != tc.line || !strings.Contains(re.Msg, tc.has) {
				t.Fatalf("got %v (line %d), want line %d containing %q", err, lineOf(re), tc.line, tc.has)
			}
		})
	}
}

func lineOf(re *RulesError) int {
	if re == nil {
		return -1
	}
	return re.Line
}

func TestExampleRulesParseAndExplain(t *testing.T) {
	rs, err := ParseRules([]byte(ExampleRules))
	if err != nil || len(rs.Rules) != 4 {
		t.Fatalf("%v %v", rs, err)
	}
	if e := rs.Rules[1].Explain(); e != "delete the field(s) phone 30d after the last shipment to the customer" {
		t.Errorf("explain: %q", e)
	}
}

func FuzzParseRules(f *testing.F) {
	f.Add(ExampleRules)
	f.Add("[[rule]]\nname=\"x\"\nwhen=\"created\"\nolder_than=\"1d\"\naction=\"erase\"\n")
	f.Add("[[rule]]\nfields=[1,2]\n")
	f.Fuzz(func(t *testing.T, s string) {
		rs, err := ParseRules([]byte(s))
		if err != nil {
			var re *RulesError
			if !errors.As(err, &re) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		for _, r := range rs.Rules {
			if r.Action != "erase" && r.Action != "drop" {
				t.Fatalf("accepted action %q", r.Action)
			}
		}
	})
}

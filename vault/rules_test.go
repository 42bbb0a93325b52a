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
		{"zero days", head + "when = \"created\"\nolder_than = \"0d\"\naction = \"erase\"\n", 4, "above zero"},
		{"zero years", head + "when = \"last_activity\"\naction = \"erase\"\nolder_than = \"0y\"\n", 5, "above zero"},
		{"zero with a request", head + "when = \"erasure_requested\"\nolder_than = \"0w\"\naction = \"erase\"\n", 4, "above zero"},
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
	if e := rs.Rules[1].Explain(); e != "delete the phone field 30 days after the last shipment to the customer" {
		t.Errorf("explain: %q", e)
	}
}

// rules check says spans in words and counts fields properly: never "2y"
// or "field(s)".
func TestRuleExplainInWords(t *testing.T) {
	for _, tc := range []struct {
		rule Rule
		want string
	}{
		{Rule{When: "created", OlderThan: "2y", Action: ActionErase}, "erase the whole customer record 2 years after the customer was added"},
		{Rule{When: "last_shipment", OlderThan: "1m", Action: ActionDrop, Fields: []string{"phone"}}, "delete the phone field 1 month after the last shipment to the customer"},
		{Rule{When: "erasure_requested", OlderThan: "2w", Action: ActionDrop, Fields: []string{"phone", "email", "note"}}, "delete the phone, email and note fields 2 weeks after the customer asked to be erased"},
		{Rule{When: "consent_withdrawn", OlderThan: "1d", Action: ActionErase}, "erase the whole customer record 1 day after the customer withdrew a consent"},
		{Rule{When: "created", OlderThan: "1y", Action: ActionErase}, "erase the whole customer record 1 year after the customer was added"},
	} {
		if got := tc.rule.Explain(); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.rule.OlderThan, tc.rule.Action, got, tc.want)
		}
	}
}

func TestSpanWords(t *testing.T) {
	for in, want := range map[string]string{"30d": "30 days", "1d": "1 day", "0d": "0 days", "2w": "2 weeks", "1w": "1 week", "6m": "6 months", "1m": "1 month", "2y": "2 years", "1y": "1 year"} {
		sp, err := ParseSpan(in)
		if err != nil || sp.Words() != want {
			t.Errorf("ParseSpan(%q).Words() = %q, %v; want %q", in, sp.Words(), err, want)
		}
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

// A span under a week after a date every customer has is warned about; an
// erasure request acted on soon is what the customer asked for.
func TestRuleWarning(t *testing.T) {
	tests := []struct {
		when, olderThan string
		warn            bool
	}{
		{"created", "1d", true},
		{"created", "6d", true},
		{"last_activity", "3d", true},
		{"last_shipment", "1d", true},
		{"consent_withdrawn", "2d", true},
		{"created", "7d", false},
		{"created", "1w", false},
		{"created", "1m", false},
		{"created", "2y", false},
		{"erasure_requested", "1d", false},
	}
	for _, tc := range tests {
		body := "[[rule]]\nname = \"x\"\nwhen = \"" + tc.when + "\"\nolder_than = \"" + tc.olderThan + "\"\naction = \"erase\"\n"
		rs, err := ParseRules([]byte(body))
		if err != nil {
			t.Fatalf("%s %s: %v", tc.when, tc.olderThan, err)
		}
		w := rs.Rules[0].Warning()
		if (w != "") != tc.warn {
			t.Errorf("%s %s: warning %q, want one: %v", tc.when, tc.olderThan, w, tc.warn)
		}
		if w != "" && (!strings.Contains(w, "line 1") || !strings.Contains(w, tc.olderThan)) {
			t.Errorf("%s %s: warning %q does not name the line and the span", tc.when, tc.olderThan, w)
		}
	}
	rs, err := ParseRules([]byte(ExampleRules))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs.Rules {
		if w := r.Warning(); w != "" {
			t.Errorf("the example rules warn: %s", w)
		}
	}
}

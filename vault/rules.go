package vault

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/shopvault/shopvault/internal/words"
)

// Rule is one retention rule from the owner's TOML file.
type Rule struct {
	Name      string      `toml:"name" json:"name"`
	When      RuleTrigger `toml:"when" json:"when"`
	OlderThan string      `toml:"older_than" json:"older_than"`
	Action    RuleAction  `toml:"action" json:"action"`
	Fields    []string    `toml:"fields" json:"fields,omitempty"`
	Span      Span        `toml:"-" json:"-"`
	Line      int         `toml:"-" json:"line"`
}

// RuleAction is what a retention rule does to a customer it takes.
type RuleAction string

// Rule actions.
const (
	ActionErase RuleAction = "erase" // delete the whole record (a tombstone stays)
	ActionDrop  RuleAction = "drop"  // delete the listed fields only
)

// Rules is a parsed, validated rules file.
type Rules struct {
	Rules []Rule `toml:"rule"`
}

// RuleTrigger is the metadata date a rule counts from.
type RuleTrigger string

// Rule triggers, as rules files spell them.
const (
	TriggerCreated          RuleTrigger = "created"
	TriggerLastActivity     RuleTrigger = "last_activity"
	TriggerLastShipment     RuleTrigger = "last_shipment"
	TriggerConsentWithdrawn RuleTrigger = "consent_withdrawn"
	TriggerErasureRequested RuleTrigger = "erasure_requested"
)

// RuleTriggers are the metadata dates a rule can count from.
var RuleTriggers = []RuleTrigger{TriggerCreated, TriggerLastActivity, TriggerLastShipment, TriggerConsentWithdrawn, TriggerErasureRequested}

// RulesError is a rules file problem, with the line it is on.
type RulesError struct {
	Line int
	Msg  string
}

func (e *RulesError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("rules file line %d: %s", e.Line, e.Msg)
	}
	return "rules file: " + e.Msg
}

// ParseRules parses and validates a rules file. Every problem is reported
// with its line number; unknown keys, units, triggers and actions, negative
// ages and unknown fields are all refused.
func ParseRules(data []byte) (*Rules, error) {
	var rs Rules
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rs); err != nil {
		var sm *toml.StrictMissingError
		var de *toml.DecodeError
		switch {
		case errors.As(err, &sm) && len(sm.Errors) > 0:
			row, _ := sm.Errors[0].Position()
			return nil, &RulesError{Line: row, Msg: fmt.Sprintf("unknown key %q (keys are name, when, older_than, action, fields)", lastKey(sm.Errors[0].Key()))}
		case errors.As(err, &de):
			row, _ := de.Position()
			return nil, &RulesError{Line: row, Msg: de.Error()}
		}
		return nil, &RulesError{Msg: err.Error()}
	}
	headers := ruleHeaderLines(data)
	for i := range rs.Rules {
		r := &rs.Rules[i]
		if i < len(headers) {
			r.Line = headers[i]
		}
		line := func(key string) int { return keyLine(data, headers, i, key, r.Line) }
		if strings.TrimSpace(r.Name) == "" {
			return nil, &RulesError{Line: r.Line, Msg: "every rule needs a name"}
		}
		if !slices.Contains(RuleTriggers, r.When) {
			return nil, &RulesError{Line: line("when"), Msg: fmt.Sprintf("rule %q: when = %q is not one of %s", r.Name, r.When, joinNames(RuleTriggers, ", "))}
		}
		sp, err := ParseSpan(r.OlderThan)
		if err != nil {
			return nil, &RulesError{Line: line("older_than"), Msg: fmt.Sprintf("rule %q: older_than: %v", r.Name, err)}
		}
		if sp.Years == 0 && sp.Months == 0 && sp.Days == 0 {
			return nil, &RulesError{Line: line("older_than"), Msg: fmt.Sprintf("rule %q: older_than = %q takes every customer it names at the next purge; give a length above zero (e.g. 30d, or 1d to act a day later)", r.Name, r.OlderThan)}
		}
		r.Span = sp
		switch r.Action {
		case ActionErase:
			if len(r.Fields) > 0 {
				return nil, &RulesError{Line: line("fields"), Msg: fmt.Sprintf("rule %q: erase removes the whole record; fields only go with action = \"drop\"", r.Name)}
			}
		case ActionDrop:
			if len(r.Fields) == 0 {
				return nil, &RulesError{Line: line("action"), Msg: fmt.Sprintf("rule %q: drop needs fields = [...]", r.Name)}
			}
			for _, f := range r.Fields {
				if !IsField(f) {
					return nil, &RulesError{Line: line("fields"), Msg: fmt.Sprintf("rule %q: %q is not a field (fields are %s)", r.Name, f, strings.Join(FieldNames, ", "))}
				}
			}
		default:
			return nil, &RulesError{Line: line("action"), Msg: fmt.Sprintf("rule %q: action = %q is not erase or drop", r.Name, r.Action)}
		}
	}
	return &rs, nil
}

// ruleHeaderLines finds the line of each [[rule]] header.
func ruleHeaderLines(data []byte) []int {
	var out []int
	for i, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "[[rule]]") {
			out = append(out, i+1)
		}
	}
	return out
}

// keyLine finds the line of key inside the i-th rule's block.
func keyLine(data []byte, headers []int, i int, key string, fallback int) int {
	if i >= len(headers) {
		return fallback
	}
	lines := strings.Split(string(data), "\n")
	end := len(lines)
	if i+1 < len(headers) {
		end = headers[i+1] - 1
	}
	for n := headers[i]; n < end; n++ {
		t := strings.TrimSpace(lines[n])
		if strings.HasPrefix(t, key) && strings.HasPrefix(strings.TrimSpace(t[len(key):]), "=") {
			return n + 1
		}
	}
	return fallback
}

// shortRuleDays: a rule that acts sooner than this after a date every
// customer has is more likely a typo ("3d" for "3y") than a policy.
const shortRuleDays = 7

// Warning says why a valid rule may not be what the owner meant, or "" when
// nothing looks wrong: a span under a week. Erasure requests are exempt:
// acting on them soon is what the customer asked for.
func (r Rule) Warning() string {
	sp := r.Span
	if r.When == TriggerErasureRequested || sp.Years > 0 || sp.Months > 0 || sp.Days >= shortRuleDays {
		return ""
	}
	return fmt.Sprintf("rule %q (line %d): older_than = %q is under %d days, so it will %s; if you meant longer, fix it before purge --apply",
		r.Name, r.Line, r.OlderThan, shortRuleDays, r.Explain())
}

// Explain says in plain words what a rule does.
func (r Rule) Explain() string {
	from := triggerWords(r.When)
	what := "erase the whole customer record"
	if r.Action == ActionDrop {
		what = "delete the " + words.Join(r.Fields, "and") + " " + words.Plural(len(r.Fields), "field")
	}
	span := r.OlderThan
	if sp, err := ParseSpan(r.OlderThan); err == nil {
		span = sp.Words()
	}
	return fmt.Sprintf("%s %s %s", what, span, from)
}

// triggerWords says from when a rule counts, for Explain.
func triggerWords(t RuleTrigger) string {
	switch t {
	case TriggerCreated:
		return "after the customer was added"
	case TriggerLastActivity:
		return "after the customer's last activity (added, edited, consent or a request)"
	case TriggerLastShipment:
		return "after the last shipment to the customer"
	case TriggerConsentWithdrawn:
		return "after the customer withdrew a consent"
	case TriggerErasureRequested:
		return "after the customer asked to be erased"
	}
	return ""
}

// ExampleRules is what rules init writes: commented, valid, and sensible.
const ExampleRules = `# shopvault retention rules. shopvault purge applies them (a dry run unless
# --apply); it needs no key, so it can run from cron.
#
# when:       created | last_activity | last_shipment | consent_withdrawn | erasure_requested
# older_than: a number and a unit: d (days), w (weeks), m (months), y (years)
# action:     erase (the whole record) | drop (only the listed fields)
# fields:     for drop: name, email, phone, line1, line2, city, region, postcode, country, note
#
# A customer under a hold (shopvault hold ALIAS --until DATE) is skipped.

[[rule]]
name = "inactive customers"
when = "last_activity"
older_than = "2y"
action = "erase"

[[rule]]
name = "delivery phone after shipment"
when = "last_shipment"
older_than = "30d"
action = "drop"
fields = ["phone"]

[[rule]]
name = "erasure requests after the grace period"
when = "erasure_requested"
older_than = "14d"
action = "erase"

[[rule]]
name = "notes after consent is withdrawn"
when = "consent_withdrawn"
older_than = "30d"
action = "drop"
fields = ["note"]
`

func lastKey(k []string) string {
	if len(k) == 0 {
		return ""
	}
	return k[len(k)-1]
}

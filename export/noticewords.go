package export

import (
	"fmt"

	"github.com/shopvault/shopvault/internal/words"
)

// The privacy notice is read by customers: every rule is one sentence in
// plain words ("We delete your phone number 30 days after delivery"), never
// the rules file's shorthand (2y, 30d, "the field(s) phone").

// NoticeRule is one retention rule, as the notice words it.
type NoticeRule struct {
	Name string
	// When is what the period counts from: created, last_activity,
	// last_shipment, consent_withdrawn or erasure_requested.
	When                string
	Years, Months, Days int
	// Action is erase (everything) or drop (only Fields).
	Action string
	Fields []string
}

// Sentence is the rule for a customer: "We delete … after …."
func (r NoticeRule) Sentence() string {
	what := "all your details"
	if r.Action == "drop" {
		var names []string
		for _, f := range r.Fields {
			names = append(names, fieldNoun(f))
		}
		what = words.Join(names, "and")
	}
	return fmt.Sprintf("We delete %s %s.", what, noticeTrigger(r.When, r.period()))
}

func (r NoticeRule) period() string {
	var parts []string
	for _, p := range []struct {
		n    int
		unit string
	}{{r.Years, "year"}, {r.Months, "month"}, {r.Days, "day"}} {
		switch {
		case p.n == 0:
		case p.unit == "day" && p.n%7 == 0 && p.n <= 84:
			parts = append(parts, countOf(p.n/7, "week"))
		default:
			parts = append(parts, countOf(p.n, p.unit))
		}
	}
	if len(parts) == 0 {
		return "straight away"
	}
	return words.Join(parts, "and")
}

func noticeTrigger(when, period string) string {
	if period == "straight away" {
		return map[string]string{
			"created": "as soon as we have saved them", "last_activity": "as soon as we have saved them",
			"last_shipment": "as soon as your parcel is on its way", "consent_withdrawn": "as soon as you withdraw your consent",
			"erasure_requested": "as soon as you ask us to",
		}[when]
	}
	switch when {
	case "created":
		return period + " after we first saved them"
	case "last_activity":
		return period + " after we last heard from you"
	case "last_shipment":
		return period + " after delivery"
	case "consent_withdrawn":
		return period + " after you withdraw your consent"
	case "erasure_requested":
		return period + " after you ask us to delete them"
	}
	return "after " + period
}

var fieldNouns = map[string]string{
	"name": "your name", "email": "your email address", "phone": "your phone number",
	"line1": "your street address", "line2": "your flat or building", "city": "your city",
	"region": "your region", "postcode": "your postcode", "country": "your country", "note": "your delivery notes",
}

func fieldNoun(f string) string {
	if n, ok := fieldNouns[f]; ok {
		return n
	}
	return "some of your details"
}

var smallNumbers = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"}

// countOf says "two years", "one month", "30 days": numbers up to twelve
// in words, except days, which people count in digits.
func countOf(n int, unit string) string {
	num := fmt.Sprint(n)
	if n < len(smallNumbers) && unit != "day" {
		num = smallNumbers[n]
	}
	if n != 1 {
		unit += "s"
	}
	return num + " " + unit
}

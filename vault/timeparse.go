package vault

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopvault/shopvault/internal/words"
)

// Span is a calendar length: "30d", "2w", "6m", "2y" (days, weeks, months,
// years). Months and years follow the calendar, as a person means them.
type Span struct {
	Years, Months, Days int
	text                string
}

func (s Span) String() string { return s.text }

// Words says the span as a person does: "2 years", "1 month", "2 weeks",
// "30 days".
func (s Span) Words() string {
	switch {
	case s.Years > 0:
		return words.Count(s.Years, "year")
	case s.Months > 0:
		return words.Count(s.Months, "month")
	case strings.HasSuffix(s.text, "w"):
		return words.Count(s.Days/7, "week")
	}
	return words.Count(s.Days, "day")
}

// Before returns t minus the span.
func (s Span) Before(t time.Time) time.Time { return t.AddDate(-s.Years, -s.Months, -s.Days) }

// After returns t plus the span.
func (s Span) After(t time.Time) time.Time { return t.AddDate(s.Years, s.Months, s.Days) }

// ParseSpan parses "30d", "2w", "6m", "2y"; no other units, no negatives.
func ParseSpan(text string) (Span, error) {
	s := strings.TrimSpace(text)
	if len(s) < 2 {
		return Span{}, fmt.Errorf("%q is not a length of time: want a number and a unit d, w, m or y (e.g. 30d, 2y)", text)
	}
	if strings.HasPrefix(s, "-") {
		return Span{}, fmt.Errorf("%q is negative: a rule can only look back in time", text)
	}
	unit := s[len(s)-1]
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || strings.ContainsAny(s[:len(s)-1], "+- ") {
		return Span{}, fmt.Errorf("%q is not a length of time: want a number and a unit d, w, m or y (e.g. 30d, 2y)", text)
	}
	if n < 0 {
		return Span{}, fmt.Errorf("%q is negative", text)
	}
	if n > 100000 {
		return Span{}, fmt.Errorf("%q is too long a time", text)
	}
	sp := Span{text: s}
	switch unit {
	case 'd':
		sp.Days = n
	case 'w':
		sp.Days = 7 * n
	case 'm':
		sp.Months = n
	case 'y':
		sp.Years = n
	default:
		return Span{}, fmt.Errorf("%q has an unknown unit %q: use d, w, m or y", text, string(unit))
	}
	return sp, nil
}

// ParseDate parses YYYY-MM-DD (midnight UTC) or RFC 3339.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date: want YYYY-MM-DD", s)
}

// ParseDateOrSpan parses a date, or a span counted forward from now.
func ParseDateOrSpan(s string, now time.Time) (time.Time, error) {
	if sp, err := ParseSpan(s); err == nil {
		return sp.After(now).UTC(), nil
	}
	t, err := ParseDate(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a date (YYYY-MM-DD) nor a length of time (30d, 2w, 6m, 1y)", s)
	}
	return t, nil
}

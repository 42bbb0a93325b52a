package words

import "testing"

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		n    int
		noun string
		want string
	}{
		{0, "customer", "0 customers"},
		{1, "customer", "1 customer"},
		{2, "field", "2 fields"},
		{1000, "row", "1000 rows"},
		{2, "index entry", "2 index entries"},
		{1, "access-log entry", "1 access-log entry"},
		{3, "alias", "3 aliases"},
		{2, "key", "2 keys"},
		{0, "batch", "0 batches"},
	} {
		if got := Count(tc.n, tc.noun); got != tc.want {
			t.Errorf("Count(%d, %q) = %q, want %q", tc.n, tc.noun, got, tc.want)
		}
	}
}

func TestJoin(t *testing.T) {
	for _, tc := range []struct {
		xs   []string
		conj string
		want string
	}{
		{nil, "and", ""},
		{[]string{"phone"}, "and", "phone"},
		{[]string{"phone", "email"}, "or", "phone or email"},
		{[]string{"name", "phone", "email"}, "and", "name, phone and email"},
	} {
		if got := Join(tc.xs, tc.conj); got != tc.want {
			t.Errorf("Join(%q, %q) = %q, want %q", tc.xs, tc.conj, got, tc.want)
		}
	}
}

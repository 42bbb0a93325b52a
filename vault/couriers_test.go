package vault

import (
	"slices"
	"testing"
	"time"
)

func TestShipmentCouriers(t *testing.T) {
	f, aliases := newFixtureWithCustomers(t, 2)
	v := f.open(t)
	defer func() { must(t, v.Close()) }()
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	for _, s := range []struct {
		alias, courier string
		date           time.Time
	}{{aliases[0], "gig", day(10)}, {aliases[1], "dhl", day(20)}, {aliases[0], "gig", day(21)}, {aliases[1], "", day(21)}} {
		if _, err := v.Ship(s.alias, s.courier, "", s.date); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		since time.Time
		want  []string
	}{
		{time.Time{}, []string{"dhl", "gig"}},
		{day(15), []string{"dhl", "gig"}},
		{day(21), []string{"gig"}},
		{day(22), []string{}},
	} {
		got, err := v.ShipmentCouriers(tc.since)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ShipmentCouriers(%s) = %v, %v; want %v", tc.since.Format(time.DateOnly), got, err, tc.want)
		}
	}
}

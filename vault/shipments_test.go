package vault

import (
	"testing"
	"time"
)

// TestShipIsIdempotent: a cron job that runs ship - again after a partial
// failure must not record a parcel twice (polish item 1). A parcel is the
// same alias, courier and ref; without a ref each parcel is recorded.
func TestShipIsIdempotent(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	defer func() { must(t, v.Close()) }()
	a := mustAdd(t, v, sampleCustomer(1))
	b := mustAdd(t, v, sampleCustomer(2))
	day := f.clock.t.Add(-48 * time.Hour)
	if _, err := v.Ship(a, "gig", "ORD-1", day); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Ship(a, "gig", "", day); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		alias        string
		courier, ref string
		date         time.Time
		already      bool
	}{
		{"same parcel", a, "gig", "ORD-1", day, true},
		{"same ref another day", a, "gig", "ORD-1", day.Add(24 * time.Hour), true},
		{"another ref", a, "gig", "ORD-2", day, false},
		{"another courier", a, "dhl", "ORD-1", day, false},
		{"another customer", b, "gig", "ORD-1", day, false},
		{"no ref same day", a, "gig", "", day, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := v.Ship(tt.alias, tt.courier, tt.ref, tt.date)
			if err != nil {
				t.Fatal(err)
			}
			if s.AlreadyRecorded != tt.already {
				t.Fatalf("AlreadyRecorded = %v, want %v", s.AlreadyRecorded, tt.already)
			}
			if s.ID == "" || s.Courier != tt.courier || s.Ref != tt.ref {
				t.Fatalf("shipment = %+v", s)
			}
		})
	}
	ships, err := v.Manifest(ManifestQuery{})
	if err != nil {
		t.Fatal(err)
	}
	// two recorded first, then one per table row that was not there yet
	if len(ships) != 2+4 {
		t.Fatalf("manifest has %d shipments, want 6", len(ships))
	}
}

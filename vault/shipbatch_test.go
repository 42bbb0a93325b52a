package vault

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"
)

// openState is fileState for a vault this test holds open (the file is
// locked).
func openState(t *testing.T, v *Vault) (head []byte, audit int) {
	t.Helper()
	must(t, v.db.View(func(tx *bolt.Tx) error {
		head = bytes.Clone(tx.Bucket(bMeta).Get(mHead))
		audit = tx.Bucket(bAudit).Stats().KeyN
		return nil
	}))
	return head, audit
}

// shipsOf lists the vault's shipments and its newest access-log entry.
func shipsOf(t *testing.T, v *Vault) ([]Shipment, AuditEntry) {
	t.Helper()
	ships, err := v.Manifest(ManifestQuery{})
	if err != nil {
		t.Fatal(err)
	}
	log, err := v.AuditList(AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	// Manifest logged itself last; the entry before it is the batch's.
	return ships, log[len(log)-2]
}

// A day's manifest is recorded at once: every ref is checked before
// anything is written, repeats are found against earlier shipments and
// within the batch, lines naming no customer are left out, and the batch
// writes one access-log entry naming every alias shipped to.
func TestShipBatch(t *testing.T) {
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		reqs    func(a, b string) []ShipRequest
		date    time.Time
		refused []int  // indexes of refused refs: nothing written
		field   string // the field an error names when the whole batch fails
		missing []int  // indexes naming no customer
		already []bool // per shipment returned
		added   int    // shipments recorded
	}{
		{
			name: "all new",
			reqs: func(a, b string) []ShipRequest {
				return []ShipRequest{{a, "ORD-2"}, {b, "ORD-3"}, {b, ""}}
			},
			already: []bool{false, false, false}, added: 3,
		},
		{
			name: "repeats of earlier and of earlier lines",
			reqs: func(a, b string) []ShipRequest {
				return []ShipRequest{{a, "ORD-1"}, {b, "ORD-2"}, {b, "ORD-2"}, {a, ""}, {a, ""}}
			},
			already: []bool{true, false, true, false, false}, added: 3,
		},
		{
			name: "a line naming no customer is left out",
			reqs: func(a, b string) []ShipRequest {
				return []ShipRequest{{a, "ORD-2"}, {"ZZZZ-ZZZZ-Z", "ORD-3"}, {"Ngozi Okafor", ""}, {b, "ORD-4"}}
			},
			missing: []int{1, 2}, already: []bool{false, false}, added: 2,
		},
		{
			name: "a ref with the customer's phone refuses the batch",
			reqs: func(a, b string) []ShipRequest {
				return []ShipRequest{{a, "ORD-2"}, {b, "+2348031239999"}, {b, "ORD-4"}, {a, "4111 1111 1111 1111"}}
			},
			refused: []int{1, 3},
		},
		{
			name: "a date in the future refuses the batch",
			reqs: func(a, b string) []ShipRequest { return []ShipRequest{{a, "ORD-2"}} },
			date: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), field: "date",
		},
		{
			name:    "only repeats write nothing",
			reqs:    func(a, b string) []ShipRequest { return []ShipRequest{{a, "ORD-1"}, {a, "ORD-1"}} },
			already: []bool{true, true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			v := f.open(t)
			defer func() { must(t, v.Close()) }()
			a := mustAdd(t, v, sampleCustomer(1))
			b := mustAdd(t, v, sampleCustomer(2))
			if _, err := v.Ship(a, "gig", "ORD-1", day); err != nil {
				t.Fatal(err)
			}
			headBefore, auditBefore := openState(t, v)
			date := day
			if !tt.date.IsZero() {
				date = tt.date
			}
			reqs := tt.reqs(a, b)
			out, problems, err := v.ShipBatch(reqs, "gig", date)
			head, audit := openState(t, v)
			wrote := !bytes.Equal(head, headBefore) || audit != auditBefore
			var refused *ShipRefusedError
			var in *InputError
			switch {
			case tt.refused != nil:
				if !errors.As(err, &refused) || len(refused.Problems) != len(tt.refused) {
					t.Fatalf("err = %v, want the refs of requests %v refused", err, tt.refused)
				}
				for i, p := range refused.Problems {
					if p.Index != tt.refused[i] || !errors.As(p.Err, &in) || in.Field != "ref" {
						t.Errorf("problem %d = %d %v, want request %d's ref", i, p.Index, p.Err, tt.refused[i])
					}
				}
				if strings.Contains(err.Error(), "2348031239999") || strings.Contains(err.Error(), "4111") {
					t.Errorf("the refusal repeats the refused value: %v", err)
				}
			case tt.field != "":
				if !errors.As(err, &in) || in.Field != tt.field {
					t.Fatalf("err = %v, want an input error on %s", err, tt.field)
				}
			case err != nil:
				t.Fatal(err)
			}
			if err != nil || tt.added == 0 {
				if wrote {
					t.Fatal("a batch that recorded nothing changed the file")
				}
				ships, _ := shipsOf(t, v)
				if len(ships) != 1 {
					t.Fatalf("%d shipments after a batch that recorded nothing, want the 1 earlier", len(ships))
				}
				if tt.already == nil {
					return
				}
			}
			if len(problems) != len(tt.missing) {
				t.Fatalf("problems = %v, want requests %v", problems, tt.missing)
			}
			for i, p := range problems {
				var nf *NotFoundError
				if p.Index != tt.missing[i] || !errors.As(p.Err, &nf) {
					t.Errorf("problem %d = %d %v, want request %d not found", i, p.Index, p.Err, tt.missing[i])
				}
			}
			if len(out) != len(tt.already) {
				t.Fatalf("%d shipments returned, want %d", len(out), len(tt.already))
			}
			ids := map[string]bool{}
			for i, s := range out {
				if s.AlreadyRecorded != tt.already[i] {
					t.Errorf("shipment %d: AlreadyRecorded = %v, want %v", i, s.AlreadyRecorded, tt.already[i])
				}
				if s.AlreadyRecorded && !ids[s.ID] && s.Ref != "ORD-1" {
					t.Errorf("shipment %d is a repeat of %s, which is neither earlier in the batch nor recorded before", i, s.ID)
				}
				ids[s.ID] = true
			}
			ships, entry := shipsOf(t, v)
			if len(ships) != 1+tt.added {
				t.Fatalf("%d shipments, want %d", len(ships), 1+tt.added)
			}
			if tt.added == 0 {
				return
			}
			if audit != auditBefore+1 {
				t.Errorf("the batch wrote %d access-log entries, want 1", audit-auditBefore)
			}
			if entry.Action != "ship" || entry.Count != tt.added || len(entry.Aliases) != tt.added || entry.Detail != "gig" {
				t.Errorf("access-log entry = %+v, want one ship entry naming the %d aliases shipped to", entry, tt.added)
			}
		})
	}
}

// A shipping helper's batch is one head that only adds shipments and moves
// last shipment dates to theirs: check passes, and the owner's next write
// verifies it before signing its own.
func TestShipBatchByShippingHelper(t *testing.T) {
	f, helper, a1, a2 := shippingSetup(t)
	h, err := Open(f.path, f.opts([]age.Identity{helper}))
	if err != nil {
		t.Fatal(err)
	}
	f.clock.t = f.clock.t.Add(time.Hour)
	reqs := []ShipRequest{{a2, "ORD-1"}, {a1, "ORD-2"}, {a2, "ORD-1"}, {a2, ""}}
	out, problems, err := h.ShipBatch(reqs, "dhl", f.clock.t.Add(-24*time.Hour))
	if err != nil || len(problems) != 0 || len(out) != 4 || !out[2].AlreadyRecorded {
		t.Fatalf("helper's batch: %v, problems %v, shipments %+v", err, problems, out)
	}
	if h.head.Role != RoleShipping || len(h.head.Shipped) != 2 {
		t.Fatalf("helper's head: role %s, %d records shipped to, want shipping and 2", h.head.Role, len(h.head.Shipped))
	}
	must(t, h.Close())
	if _, err := checkOwner(t, f); err != nil {
		t.Fatalf("check after the helper's batch: %v", err)
	}
	v := f.open(t)
	if _, err := v.Add(sampleCustomer(3)); err != nil {
		t.Fatalf("the owner's next write refused the helper's batch: %v", err)
	}
	ships, err := v.Manifest(ManifestQuery{})
	if err != nil {
		t.Fatal(err)
	}
	must(t, v.Close())
	if len(ships) != 1+3 {
		t.Fatalf("%d shipments, want the setup's 1 and the batch's 3", len(ships))
	}
	if _, err := checkOwner(t, f); err != nil {
		t.Fatal(err)
	}
}

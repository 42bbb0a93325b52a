package vault

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
)

// Red team, honest side: a shop's ordinary history, with cron purging
// between the steps and a rotation killed half-way (cron and the
// shipping helper working while it waits), must never raise a tamper
// alarm: every step succeeds and check with the owner's identity is ok
// after each one.
func TestRedTeamHonestLifecycleNoFalseAlarm(t *testing.T) {
	f := newFixture(t)
	rules := exampleRules(t)
	v := f.open(t)
	helper := addHelper(t, v, RoleShipping, "packing-desk")
	support := addHelper(t, v, RoleSupport, "front-desk")
	rows, _ := NewRowReader(strings.NewReader("name,phone,country\nAda Obi,+44 20 7946 0001,GB\nBola Ade,+234 803 555 9001,NG\nChi Eze,+234 803 555 9002,NG\nDayo Ola,+234 803 555 9003,NG\n"), "", nil)
	if _, err := v.Import(rows, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		mustAdd(t, v, oldCustomer(f, i))
	}
	kept := mustAdd(t, v, sampleCustomer(7))
	nearly := sampleCustomer(8)
	nearly.Created = f.clock.t.AddDate(-2, 0, 2) // due in two days
	mustAdd(t, v, nearly)
	later := sampleCustomer(9)
	later.Created = f.clock.t.AddDate(-2, 0, 5) // due in five days
	mustAdd(t, v, later)
	if _, err := v.Ship(kept, "gig", "", f.clock.t.AddDate(0, -2, 0)); err != nil {
		t.Fatal(err)
	}
	must(t, v.Close())
	step := func(what string) {
		t.Helper()
		wantCheckOK(t, f, what)
		f.clock.t = f.clock.t.Add(time.Hour)
	}
	purge := func(what string, want int) {
		t.Helper()
		res, err := purgeAsCron(t, f, rules, 2)
		if err != nil || res.Erased != want {
			t.Fatalf("%s: purge %+v %v, want %d erased", what, res, err, want)
		}
		step(what)
	}
	step("after import")
	shipAsHelper(t, f, helper, kept)
	step("after the helper shipped")
	purge("first purge", 3)
	shipAsHelper(t, f, helper, kept)
	step("helper ships while statements wait")

	v = f.open(t)
	if _, err := v.Edit(kept, map[string]string{"city": "Lekki", "note": "side door"}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.SetHold(kept, f.clock.t.AddDate(0, 6, 0), "open dispute"); err != nil {
		t.Fatal(err)
	}
	var backup bytes.Buffer
	if _, err := v.Backup(&backup); err != nil {
		t.Fatal(err)
	}
	must(t, v.Close())
	step("after edit and backup")

	o := f.opts([]age.Identity{f.owner})
	o.BatchSize, o.crashAfterBatches = 2, 1
	r, err := Open(f.path, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Rotate([]Group{GroupShipping, GroupIndex}); !errors.Is(err, ErrCrashHook) {
		t.Fatalf("rotate with crash hook: %v", err)
	}
	must(t, r.db.Close()) // as if killed
	r.db = nil
	r.lock.release()

	// mid-rotation: cron and the shipping helper go on
	if res, err := purgeAsCron(t, f, rules, 2); err != nil || res.Erased != 0 {
		t.Fatalf("purge mid-rotation: %+v %v", res, err)
	}
	shipAsHelper(t, f, helper, kept)
	f.clock.t = f.clock.t.Add(72 * time.Hour)
	if res, err := purgeAsCron(t, f, rules, 2); err != nil || res.Erased != 1 {
		t.Fatalf("second purge mid-rotation: %+v %v, want the nearly-due customer erased", res, err)
	}
	shipAsHelper(t, f, helper, kept) // statements wait, the rotation too
	sp, err := Open(f.path, f.opts([]age.Identity{support}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sp.Edit(kept, map[string]string{"line1": "3 Bourdillon Road"}); err != nil {
		t.Fatalf("support's edit mid-rotation with statements waiting: %v", err)
	}
	must(t, sp.Close())
	v = f.open(t) // the owner's open resumes and finishes the rotation
	if p, _ := v.pendingRotation(); p != nil {
		t.Fatalf("rotation still pending after the owner's open: %+v", p)
	}
	must(t, v.Close())
	step("after the resumed rotation")
	purge("purge after rotation", 0)
	f.clock.t = f.clock.t.Add(72 * time.Hour)
	if res, err := purgeAsCron(t, f, rules, 2); err != nil || res.Erased != 1 {
		t.Fatalf("purge before the restore: %+v %v, want one erased", res, err)
	}

	v = f.open(t)
	res, err := v.Restore(bytes.NewReader(backup.Bytes()))
	must(t, v.Close())
	if err != nil {
		t.Fatalf("restore: %+v %v", res, err)
	}
	step("after restore")
	purge("purge after restore", 0)
	shipAsHelper(t, f, helper, kept)
	step("helper ships after restore")
	purge("last purge", 0)
}

// Red team, honest side: owners change the policy (approve rules, add or
// remove a person, issue a new purge key, replace their own identity)
// while cron's statements and a shipping person's wait; cron purges
// after each, and nothing raises an alarm.
func TestRedTeamPolicyChangesWhileStatementsWait(t *testing.T) {
	changes := map[string]func(t *testing.T, f *fixture, v *Vault, helper *age.X25519Identity){
		"rules approved": func(t *testing.T, f *fixture, v *Vault, _ *age.X25519Identity) {
			if _, err := v.ApproveRules(exampleRules(t)); err != nil {
				t.Fatal(err)
			}
		},
		"a person added": func(t *testing.T, f *fixture, v *Vault, _ *age.X25519Identity) {
			addHelper(t, v, RoleSupport, "front-desk")
		},
		"the shipping person removed": func(t *testing.T, f *fixture, v *Vault, helper *age.X25519Identity) {
			if _, _, err := v.RemoveRecipient(helper.Recipient().String()); err != nil {
				t.Fatal(err)
			}
		},
		"a new purge key": func(t *testing.T, f *fixture, v *Vault, _ *age.X25519Identity) {
			if _, err := v.NewPurgeKey(); err != nil {
				t.Fatal(err)
			}
		},
		"the owner's identity replaced": func(t *testing.T, f *fixture, v *Vault, _ *age.X25519Identity) {
			id, err := age.GenerateX25519Identity()
			must(t, err)
			if _, _, err := v.RotateOwnerIdentity(id.Recipient().String(), id); err != nil {
				t.Fatal(err)
			}
			f.owner = id
		},
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			v := f.open(t)
			helper := addHelper(t, v, RoleShipping, "packing-desk")
			mustAdd(t, v, oldCustomer(f, 1))
			kept := mustAdd(t, v, sampleCustomer(2))
			later := sampleCustomer(3)
			later.Created = f.clock.t.AddDate(-2, 0, 2) // due in two days
			mustAdd(t, v, later)
			must(t, v.Close())
			if res, err := purgeAsCron(t, f, exampleRules(t), 0); err != nil || res.Erased != 1 {
				t.Fatalf("first purge: %+v %v", res, err)
			}
			shipAsHelper(t, f, helper, kept)
			v = f.open(t)
			change(t, f, v, helper)
			must(t, v.Close())
			wantCheckOK(t, f, "after the change")
			f.clock.t = f.clock.t.Add(72 * time.Hour)
			if res, err := purgeAsCron(t, f, exampleRules(t), 0); err != nil || res.Erased != 1 {
				t.Fatalf("purge after the change: %+v %v", res, err)
			}
			wantCheckOK(t, f, "after the purge")
		})
	}
}

package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A trial from outside: a rotation stopped by Ctrl-C, then a support
// person (whose commands do not finish it) changes a customer's email.
// find by the old email is "not found" (exit 6), not a tamper alarm (exit
// 7); find by the new one finds them; the owner's next command finishes
// the rotation and check passes.
func TestEditDuringInterruptedRotationIsNoAlarm(t *testing.T) {
	h := newCLIHarness(t)
	h.ok("", "init", "--identity-out", h.owner)
	h.ok("", "--vault", filepath.Join(h.dir, "h.db"), "init", "--identity-out", h.helper)
	h.ok(h.owner, "recipients", "add", publicKeyOf(t, h.helper), "--role", "support", "--name", "desk")
	// one more customer than a rotation batch, so there is a second batch
	var csv strings.Builder
	csv.WriteString("name,email,country\n")
	for i := range 5001 {
		fmt.Fprintf(&csv, "Customer %d,c%d@example.ng,NG\n", i, i)
	}
	customers := filepath.Join(h.dir, "customers.csv")
	must(t, os.WriteFile(customers, []byte(csv.String()), 0o600))
	h.ok(h.owner, "import", customers)
	must(t, os.Remove(customers))

	var errOut bytes.Buffer
	env := &Env{In: strings.NewReader(""), Out: io.Discard, ErrOut: &errOut,
		Getenv: func(k string) string { return h.vars[k] }, Now: func() time.Time { return h.now }, Rand: rand.Reader,
		OpenTTY:          func() (ttyFile, error) { return nil, errors.New("no tty in tests") },
		ScryptWorkFactor: testScryptWorkFactor,
		Interrupts: func(io.Writer) (<-chan struct{}, func()) {
			stop := make(chan struct{})
			close(stop) // Ctrl-C as soon as it starts
			return stop, func() {}
		}}
	if code := run([]string{"--vault", h.vault, "--identity", h.owner, "rotate", "--group", "index"}, env); code != exitInterrupted {
		t.Fatalf("interrupted rotate exited %d, want %d: %s", code, exitInterrupted, errOut.String())
	}

	var found []struct {
		Alias string `json:"alias"`
	}
	must(t, json.Unmarshal([]byte(h.ok(h.helper, "find", "--email", "c0@example.ng", "--json")), &found))
	if len(found) != 1 {
		t.Fatalf("find c0 before the edit: %v", found)
	}
	alias := found[0].Alias
	h.ok(h.helper, "edit", alias, "--email", "c0.new@example.ng")

	wantEmails := func(who, when string) {
		t.Helper()
		code, _, errs := h.run(who, "find", "--email", "c0@example.ng")
		if code != exitNotFound || strings.Contains(errs, "from outside") {
			t.Errorf("%s: find by the old email exited %d, want %d (not found): %s", when, code, exitNotFound, errs)
		}
		if out := h.ok(who, "find", "--email", "c0.new@example.ng"); !strings.Contains(out, alias) {
			t.Errorf("%s: find by the new email does not show %s:\n%s", when, alias, out)
		}
	}
	wantEmails(h.helper, "mid-rotation")
	h.ok(h.owner, "check") // an owner's command finishes the rotation first
	wantEmails(h.owner, "after the rotation")
	if out := h.ok(h.owner, "check", "--json"); strings.Contains(out, `"rotating":true`) {
		t.Errorf("the rotation is still pending after the owner's commands:\n%s", out)
	}
}

package main

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/shopvault/shopvault/vault"
)

// The built-in sample must stay acceptable to the vault: a customer the
// guard or the normaliser refuses would break the first command a newcomer
// runs.
func TestDemoCustomersAreAccepted(t *testing.T) {
	customers, err := parseDemoCustomers(demoCustomers)
	if err != nil {
		t.Fatal(err)
	}
	if len(customers) < 20 {
		t.Fatalf("only %d sample customers", len(customers))
	}
	for i, c := range customers {
		if _, err := vault.PrepareCustomer(c); err != nil {
			t.Errorf("sample customer %d refused: %v", i+1, err)
		}
		for _, f := range []string{"name", "email", "line1", "city", "country"} {
			if c.Fields[f] == "" {
				t.Errorf("sample customer %d has no %s", i+1, f)
			}
		}
	}
}

func TestParseDemoCustomers(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		n       int
		consent []string
		wantErr bool
	}{
		{"one row with consents", "name,email,consent\nA B,a@example.org,marketing;sms\n", 1, []string{"marketing", "sms"}, false},
		{"empty values are left out", "name,email,consent\nA B,,\n", 1, nil, false},
		{"header only", "name,email\n", 0, nil, true},
		{"ragged row", "name,email\nA B\n", 0, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseDemoCustomers([]byte(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if len(got) != tc.n {
				t.Fatalf("%d customers, want %d", len(got), tc.n)
			}
			if tc.n > 0 {
				if _, ok := got[0].Fields["email"]; ok && tc.name == "empty values are left out" {
					t.Error("an empty value became a field")
				}
				if len(got[0].Consent) != len(tc.consent) {
					t.Errorf("consent %v, want %v", got[0].Consent, tc.consent)
				}
			}
		})
	}
}

// failingReader is randomness that has run out.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("no randomness") }

// The demo removes its folder however it ends: at the end, after an error
// and after Ctrl-C; with --keep it stays, and Ctrl-C says where it is.
func TestDemoRemovesItsFolder(t *testing.T) {
	ctrlC := func(io.Writer) (<-chan struct{}, func()) {
		stop := make(chan struct{})
		close(stop) // Ctrl-C as soon as it starts
		return stop, func() {}
	}
	tests := []struct {
		name     string
		keep     bool
		setup    func(env *Env)
		code     int
		stderr   string
		leftover int
	}{
		{"success", false, func(*Env) {}, exitOK, "", 0},
		{"success, kept", true, func(*Env) {}, exitOK, "", 1},
		{"an error", false, func(env *Env) { env.Rand = failingReader{} }, exitOther, "no randomness", 0},
		{"Ctrl-C", false, func(env *Env) { env.Interrupts = ctrlC }, exitInterrupted, "demo stopped by Ctrl-C; its folder was removed", 0},
		{"Ctrl-C, kept", true, func(env *Env) { env.Interrupts = ctrlC }, exitInterrupted, "its folder is kept: ", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _, errOut := testEnv(t, "")
			tt.setup(env)
			parent := t.TempDir()
			args := []string{"demo", "--dir", parent}
			if tt.keep {
				args = append(args, "--keep")
			}
			if code := run(args, env); code != tt.code || !strings.Contains(errOut.String(), tt.stderr) {
				t.Fatalf("demo exited %d (%s), want %d and %q", code, errOut, tt.code, tt.stderr)
			}
			left, err := os.ReadDir(parent)
			if err != nil || len(left) != tt.leftover {
				t.Fatalf("left in the parent folder: %v (%v), want %d entries", left, err, tt.leftover)
			}
			// nor does a removed demo leave its owner pinned on this machine
			if _, err := os.Stat(env.stateDir()); !tt.keep && !os.IsNotExist(err) {
				t.Errorf("a removed demo left this machine's state folder %s (%v)", env.stateDir(), err)
			}
		})
	}
}

package main

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/vault"
)

func testEnv(t *testing.T, stdin string) (*Env, *bytes.Buffer, *bytes.Buffer) {
	home := t.TempDir()
	vars := map[string]string{"HOME": home, "XDG_DATA_HOME": filepath.Join(home, "data"), "XDG_CONFIG_HOME": filepath.Join(home, "config")}
	var out, errOut bytes.Buffer
	return &Env{
		In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut,
		Getenv: func(k string) string { return vars[k] }, Now: time.Now, Rand: rand.Reader,
		OpenTTY:          func() (ttyFile, error) { return nil, errors.New("no tty in tests") },
		ScryptWorkFactor: testScryptWorkFactor,
	}, &out, &errOut
}

// Issue 9: every command's --help has a summary, a paragraph and examples.
func TestEveryCommandHasHelpAndExamples(t *testing.T) {
	env, _, _ := testEnv(t, "")
	root := newRootCmd(env)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		if c.Short == "" {
			t.Errorf("%s has no one-line summary", c.CommandPath())
		}
		if c.Runnable() && c.Name() != "completion" && !strings.HasPrefix(c.CommandPath(), "shopvault completion") {
			if len(c.Long) < 40 {
				t.Errorf("%s has no explanatory paragraph", c.CommandPath())
			}
		}
		if c.Example == "" {
			t.Errorf("%s has no Example", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// Issue 3: a ciphertext moved to another record exits 7, and prints none of
// either customer's data.
func TestMovedCiphertextExits7(t *testing.T) {
	env, out, errOut := testEnv(t, "")
	dir := t.TempDir()
	v, id := filepath.Join(dir, "v.db"), filepath.Join(dir, "id.txt")
	if code := run([]string{"--vault", v, "init", "--identity-out", id}, env); code != 0 {
		t.Fatalf("init: %d %s", code, errOut)
	}
	var aliases []string
	for _, name := range []string{"Ngozi Okafor", "Wanjiru Mwangi"} {
		out.Reset()
		if code := run([]string{"--vault", v, "--identity", id, "add", "--name", name}, env); code != 0 {
			t.Fatalf("add: %s", errOut)
		}
		aliases = append(aliases, strings.TrimSpace(out.String()))
	}
	db, err := bolt.Open(v, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		rb := tx.Bucket([]byte("records"))
		var keys [][]byte
		rb.ForEach(func(k, _ []byte) error {
			keys = append(keys, append([]byte{}, k...))
			return nil
		})
		// copy the first record's value (metadata and sealed fields) over
		// the second's
		return rb.Put(keys[1], append([]byte{}, rb.Get(keys[0])...))
	})
	db.Close()
	out.Reset()
	errOut.Reset()
	code := run([]string{"--vault", v, "--identity", id, "show", aliases[1]}, env)
	if code != exitIntegrity {
		t.Fatalf("show after the move exited %d: %s", code, errOut)
	}
	if strings.Contains(out.String()+errOut.String(), "Ngozi") || strings.Contains(out.String()+errOut.String(), "Wanjiru") {
		t.Fatalf("customer data printed: %s %s", out, errOut)
	}
	if code := run([]string{"--vault", v, "--identity", id, "check"}, env); code != exitIntegrity {
		t.Fatalf("check exited %d", code)
	}
}

// Every library error maps to its documented exit code.
func TestClassifyExitCodes(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code int
	}{
		{&vault.NotFoundError{Alias: "X", Reason: "check"}, exitNotFound},
		{&vault.InputError{Field: "note", Reason: "x"}, exitRefused},
		{&vault.NeedRoleError{Groups: []string{"contact"}}, exitKey},
		{vault.ErrWrongIdentity, exitKey},
		{vault.ErrNoIdentity, exitKey},
		{vault.ErrLocked, exitLocked},
		{&vault.IntegrityError{What: "x"}, exitIntegrity},
		{vault.ErrNoVault, exitOther},
		{errors.New(`unknown flag: --x`), exitUsage},
		{os.ErrPermission, exitOther},
	} {
		if got := classify(tc.err).code; got != tc.code {
			t.Errorf("classify(%v) = %d, want %d", tc.err, got, tc.code)
		}
	}
}

func FuzzStdinLine(f *testing.F) {
	f.Add(`{"name": "Ann", "email": "a@b.co", "created": "2020-01-01", "consent": ["sms"]}`)
	f.Add(`{"name": 5, "consent": "marketing;sms"}`)
	f.Add(`[1,2]`)
	f.Fuzz(func(t *testing.T, s string) {
		l, err := parseStdinLine([]byte(s))
		if err != nil {
			var in *vault.InputError
			if !errors.As(err, &in) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		for k := range l.Fields {
			if !vault.IsField(k) {
				t.Fatalf("accepted unknown field %q", k)
			}
		}
	})
}

// SECURITY.md: stored values printed to a terminal cannot drive it.
func TestSanitizeTerminal(t *testing.T) {
	for in, want := range map[string]string{
		"Lagos\x1b[31mred": "Lagos[31mred", "a\rb\nc": "abc", "tab\tok": "tab\tok", "\u009bcsi": "csi", "Ọládípọ̀": "Ọládípọ̀",
	} {
		if got := sanitizeTerminal(in); got != want {
			t.Errorf("sanitizeTerminal(%q) = %q, want %q", in, got, want)
		}
	}
}

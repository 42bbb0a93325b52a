package main

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
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
	must(t, db.Update(func(tx *bolt.Tx) error {
		rb := tx.Bucket([]byte("records"))
		var keys [][]byte
		must(t, rb.ForEach(func(k, _ []byte) error {
			keys = append(keys, append([]byte{}, k...))
			return nil
		}))
		// copy the first record's value (metadata and sealed fields) over
		// the second's
		return rb.Put(keys[1], append([]byte{}, rb.Get(keys[0])...))
	}))
	must(t, db.Close())
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
		{&vault.NeedRoleError{Groups: []vault.Group{vault.GroupContact}}, exitKey},
		{vault.ErrWrongIdentity, exitKey},
		{vault.ErrNoIdentity, exitKey},
		{vault.ErrLocked, exitLocked},
		{&vault.IntegrityError{What: "x"}, exitIntegrity},
		{vault.ErrNoVault, exitOther},
		{errors.New(`unknown flag: --x`), exitUsage},
		{os.ErrPermission, exitOther},
		{&vault.UnfinishedRotationError{Done: "the recipient is removed", Err: &vault.InterruptedError{Done: 1, Total: 2}}, exitInterrupted},
		{&vault.UnfinishedRotationError{Done: "the recipient is removed", Err: &vault.IntegrityError{What: "x"}}, exitIntegrity},
		{&vault.TrustError{What: "x", Reason: vault.TrustUnpinned}, exitKey},
	} {
		if got := classify(tc.err).code; got != tc.code {
			t.Errorf("classify(%v) = %d, want %d", tc.err, got, tc.code)
		}
	}
}

// A rotation left unfinished after its change says what was done, why it
// stopped, and which command finishes it (vault words none of that).
func TestUnfinishedRotationMessage(t *testing.T) {
	e := classify(&vault.UnfinishedRotationError{Done: "the recipient is removed", Err: &vault.InterruptedError{Done: 3, Total: 10}})
	if !strings.HasPrefix(e.msg, "the recipient is removed, but rotating the keys failed: key rotation interrupted after 3 of 10") || !strings.Contains(e.hint, "shopvault rotate") {
		t.Fatalf("msg %q, hint %q", e.msg, e.hint)
	}
}

// Every trust reason the vault gives has a hint naming what to run.
func TestEveryTrustReasonHasAHint(t *testing.T) {
	for _, r := range []vault.TrustReason{vault.TrustUnpinned, vault.TrustNotUpgraded, vault.TrustFileUnreadable} {
		if e := classify(&vault.TrustError{What: "x", Reason: r}); e.code != exitKey || e.hint == "" {
			t.Errorf("reason %d: exit %d, hint %q", r, e.code, e.hint)
		}
	}
}

func TestUnfinishedHints(t *testing.T) {
	for _, tc := range []struct {
		res  vault.CheckResult
		want []string
	}{
		{vault.CheckResult{}, nil},
		{vault.CheckResult{Rotating: true}, []string{"a key rotation is in progress; run shopvault rotate to finish it"}},
		{vault.CheckResult{Unindexed: 1}, []string{"an interrupted import left 1 customer without index"}},
		{vault.CheckResult{Unindexed: 5, Rotating: true}, []string{"rotation is in progress", "left 5 customers without"}},
	} {
		got := unfinishedHints(tc.res)
		if len(got) != len(tc.want) {
			t.Errorf("%+v: %q", tc.res, got)
			continue
		}
		for i := range got {
			if !strings.Contains(got[i], tc.want[i]) {
				t.Errorf("%+v: hint %d = %q, want %q in it", tc.res, i, got[i], tc.want[i])
			}
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

// Issue 17 item 5: on a terminal the bold header lines up with the rows;
// the escape codes take no width.
func TestTableHeaderAlignsWithRows(t *testing.T) {
	for _, color := range []bool{false, true} {
		var out bytes.Buffer
		tb := &table{w: &out, tty: true, color: color}
		tb.rows = append(tb.rows, []string{"ALIAS", "CREATED", "LAST ACTIVITY"})
		tb.add("K7QM-4TXR-Z", "2026-11-01", "2026-11-20")
		tb.add("M3JD-8QWE-4", "2026-10-01", "")
		if err := tb.flush(); err != nil {
			t.Fatal(err)
		}
		text := out.String()
		if color && !strings.HasPrefix(text, "\x1b[1m") {
			t.Fatalf("no bold header: %q", text)
		}
		plain := strings.NewReplacer("\x1b[1m", "", "\x1b[0m", "").Replace(text)
		lines := strings.Split(plain, "\n")
		if got, want := strings.Index(lines[0], "CREATED"), strings.Index(lines[1], "2026-11-01"); got != want {
			t.Errorf("color=%v: CREATED at column %d, its values at %d:\n%s", color, got, want, plain)
		}
		if got, want := strings.Index(lines[0], "LAST ACTIVITY"), strings.Index(lines[1], "2026-11-20"); got != want {
			t.Errorf("color=%v: LAST ACTIVITY at column %d, its values at %d:\n%s", color, got, want, plain)
		}
	}
}

// Issue 17 item 5: Ctrl-C during rotate stops it between batches, says how
// far it got and how to finish, and the next rotate finishes it.
func TestRotateInterruptedSaysHowToFinish(t *testing.T) {
	env, _, errOut := testEnv(t, "")
	if code := run([]string{"init"}, env); code != 0 {
		t.Fatalf("init: %d %s", code, errOut)
	}
	// one more customer than a rotation batch, so there is a second batch
	var lines strings.Builder
	for i := range 5001 {
		fmt.Fprintf(&lines, `{"name":"Customer %d","city":"Yaba","country":"NG"}`+"\n", i)
	}
	env.In = strings.NewReader(lines.String())
	if code := run([]string{"add", "--stdin"}, env); code != 0 {
		t.Fatalf("add --stdin: %d %s", code, errOut)
	}
	env.Interrupts = func(io.Writer) (<-chan struct{}, func()) {
		stop := make(chan struct{})
		close(stop) // Ctrl-C as soon as it starts
		return stop, func() {}
	}
	errOut.Reset()
	if code := run([]string{"rotate"}, env); code != exitInterrupted {
		t.Fatalf("interrupted rotate exited %d, want %d: %s", code, exitInterrupted, errOut)
	}
	for _, want := range []string{"interrupted after 5000 of 5001 customers", "every record still reads", "hint: run shopvault rotate again"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q: %s", want, errOut)
		}
	}
	env.Interrupts = nil
	errOut.Reset()
	if code := run([]string{"rotate", "--json"}, env); code != 0 {
		t.Fatalf("the next rotate exited %d: %s", code, errOut)
	}
}

package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cliHarness runs shopvault in-process against one vault with a fixed
// clock, so two runs over equal files print equal bytes.
type cliHarness struct {
	t      *testing.T
	dir    string
	vault  string
	owner  string
	helper string
	rules  string
	now    time.Time
	vars   map[string]string
}

func newCLIHarness(t *testing.T) *cliHarness {
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	h := &cliHarness{t: t, dir: dir, vault: filepath.Join(dir, "v.db"),
		owner: filepath.Join(dir, "owner.txt"), helper: filepath.Join(dir, "helper.txt"), rules: filepath.Join(dir, "rules.toml"),
		now: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC),
		vars: map[string]string{"HOME": home, "XDG_DATA_HOME": filepath.Join(home, "data"), "XDG_CONFIG_HOME": filepath.Join(home, "config"),
			"XDG_STATE_HOME": filepath.Join(home, "state"), "NO_COLOR": "1"}}
	must(t, os.WriteFile(h.rules, []byte("[[rule]]\nname = \"old\"\nwhen = \"created\"\nolder_than = \"2y\"\naction = \"erase\"\n"), 0o600))
	return h
}

// env is the outside world of one command: the harness's variables and
// clock, an empty stdin, no terminal.
func (h *cliHarness) env() (*Env, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	now := h.now
	return &Env{In: strings.NewReader(""), Out: &out, ErrOut: &errOut,
		Getenv: func(k string) string { return h.vars[k] }, Now: func() time.Time { return now }, Rand: rand.Reader,
		OpenTTY:          func() (ttyFile, error) { return nil, errors.New("no tty in tests") },
		ScryptWorkFactor: testScryptWorkFactor}, &out, &errOut
}

// run runs one command as the given identity ("" for keyless, as cron).
func (h *cliHarness) run(identity string, args ...string) (int, string, string) {
	env, out, errOut := h.env()
	full := []string{"--vault", h.vault}
	if identity != "" {
		full = append(full, "--identity", identity)
	}
	code := run(append(full, args...), env)
	return code, out.String(), errOut.String()
}

func (h *cliHarness) ok(identity string, args ...string) string {
	h.t.Helper()
	code, out, errs := h.run(identity, args...)
	if code != 0 {
		h.t.Fatalf("shopvault %v: exit %d: %s", args, code, errs)
	}
	h.now = h.now.Add(time.Minute)
	return out
}

func (h *cliHarness) alias(out string) string {
	h.t.Helper()
	var v struct {
		Alias string `json:"alias"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Alias == "" {
		h.t.Fatalf("no alias in %q", out)
	}
	return v.Alias
}

func publicKeyOf(t *testing.T, identityFile string) string {
	t.Helper()
	data, err := os.ReadFile(identityFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if _, pub, ok := strings.Cut(line, "public key: "); ok {
			return strings.TrimSpace(pub)
		}
	}
	t.Fatalf("no public key in %s", identityFile)
	return ""
}

// must fails the test on err: setup and tampering steps whose failure
// would leave a test passing without testing anything.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// removeIfThere removes path; one already gone is fine.
func removeIfThere(t testing.TB, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
}

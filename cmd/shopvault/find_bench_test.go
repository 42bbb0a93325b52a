package main

import (
	"bytes"
	"crypto/rand"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkFindInProcess is find --email on a one-customer vault as the
// command runs it (open, unlock, lookup, access-log entry, signed head,
// witness, close), without the process start: the part of issue 16's
// start-up figure that is shopvault's own work.
func BenchmarkFindInProcess(b *testing.B) {
	dir := b.TempDir()
	home := filepath.Join(dir, "home")
	vars := map[string]string{"HOME": home, "XDG_STATE_HOME": filepath.Join(home, "state"), "XDG_CONFIG_HOME": filepath.Join(home, "config"), "NO_COLOR": "1"}
	vaultPath, id := filepath.Join(dir, "v.db"), filepath.Join(dir, "id.txt")
	sv := func(args ...string) {
		var out, errOut bytes.Buffer
		env := &Env{In: strings.NewReader(""), Out: &out, ErrOut: &errOut,
			Getenv: func(k string) string { return vars[k] }, Now: time.Now, Rand: rand.Reader,
			OpenTTY:          func() (ttyFile, error) { return nil, errors.New("no tty in benchmarks") },
			ScryptWorkFactor: testScryptWorkFactor}
		if code := run(append([]string{"--vault", vaultPath}, args...), env); code != 0 {
			b.Fatalf("shopvault %v: exit %d: %s", args, code, errOut.String())
		}
	}
	sv("init", "--identity-out", id)
	sv("--identity", id, "add", "--name", "Ngozi Okafor", "--email", "ngozi@example.ng", "--country", "NG", "--phone", "0803 555 0101")
	b.ResetTimer()
	for b.Loop() {
		sv("--identity", id, "find", "--email", "ngozi@example.ng")
	}
}

package main

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// fullDisk is standard output redirected to a full disk.
type fullDisk struct{}

func (fullDisk) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// Issue 16: output lost to a full disk or closed pipe is exit 1 with a
// message, not a silent success; the message holds no customer data.
func TestLostOutputFails(t *testing.T) {
	env, _, errOut := testEnv(t, "")
	dir := t.TempDir()
	v, id := filepath.Join(dir, "v.db"), filepath.Join(dir, "id.txt")
	if code := run([]string{"--vault", v, "init", "--identity-out", id}, env); code != exitOK {
		t.Fatalf("init: %d %s", code, errOut)
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"a printed line (add)", []string{"add", "--name", "Ngozi Okafor", "--city", "Lagos", "--country", "NG"}},
		{"JSON (list --json)", []string{"list", "--json"}},
		{"a table (list)", []string{"list"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errOut.Reset()
			env.Out = fullDisk{}
			code := run(append([]string{"--vault", v, "--identity", id}, tc.args...), env)
			msg := errOut.String()
			if code != exitOther || !strings.Contains(msg, "no space left on device") && !strings.Contains(msg, "the disk is full") {
				t.Fatalf("exit %d, stderr %q; want exit %d naming the full disk", code, msg, exitOther)
			}
			if strings.Contains(msg, "Ngozi") || strings.Contains(msg, "Lagos") {
				t.Fatalf("customer data in the message: %q", msg)
			}
		})
	}
}

func TestStickyWriterKeepsFirstError(t *testing.T) {
	var sb strings.Builder
	s := &stickyWriter{w: &sb}
	if _, err := s.Write([]byte("one ")); err != nil || s.err != nil {
		t.Fatalf("first write: %v %v", err, s.err)
	}
	s.w = fullDisk{}
	if _, err := s.Write([]byte("two")); err != syscall.ENOSPC {
		t.Fatalf("second write: %v", err)
	}
	s.w = &sb
	if n, err := s.Write([]byte("three")); n != 0 || err != syscall.ENOSPC || sb.String() != "one " {
		t.Fatalf("after an error: n=%d err=%v written %q", n, err, sb.String())
	}
}

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// ptySession runs this test binary as shopvault on a new pseudo-terminal.
type ptySession struct {
	t    *testing.T
	ptmx *os.File
	tty  *os.File
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	// seen is how much of out waitFor has matched: a prompt shown twice is
	// waited for twice, not found again in what was already read.
	seen int
}

// ptyPatience bounds every wait on the child. It only matters when the
// test fails: on a loaded machine (load 20 on two cores) a child can take
// seconds to start or answer, and nothing here depends on it being quick.
const ptyPatience = 2 * time.Minute

func (p *ptySession) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func startOnPty(t *testing.T, dir string, args ...string) *ptySession {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skip("no pseudo-terminal here:", err)
	}
	c := exec.Command(os.Args[0], args...)
	c.Dir = dir
	c.Env = childEnv(dir)
	c.Stdin, c.Stdout, c.Stderr = tty, tty, tty
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	p := &ptySession{t: t, ptmx: ptmx, tty: tty, cmd: c}
	// Cleanup after the test: the child may have exited and the reader
	// goroutine may have closed nothing; none of these errors is news.
	t.Cleanup(func() { _ = c.Process.Kill(); _ = ptmx.Close(); _ = tty.Close() })
	go func() {
		buf := make([]byte, 1024)
		for {
			n, err := ptmx.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return p
}

// waitFor reads terminal output until what came after the last match
// contains s.
func (p *ptySession) waitFor(s string) {
	p.t.Helper()
	deadline := time.Now().Add(ptyPatience)
	for {
		out := p.output()
		if i := strings.Index(out[p.seen:], s); i >= 0 {
			p.seen += i + len(s)
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("timed out waiting for %q; terminal shows %q", s, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// typeSecret types s at a passphrase prompt once echo is off: typed
// before, the terminal would echo it whatever shopvault does.
func (p *ptySession) typeSecret(s string) {
	p.t.Helper()
	deadline := time.Now().Add(ptyPatience)
	for {
		tio, err := unix.IoctlGetTermios(int(p.tty.Fd()), unix.TCGETS)
		if err != nil {
			p.t.Fatal(err)
		}
		if tio.Lflag&unix.ECHO == 0 {
			break
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("echo never went off at the prompt; terminal shows %q", p.output())
		}
		time.Sleep(5 * time.Millisecond)
	}
	p.typeKeys(s + "\r")
}

// typeKeys sends s to the terminal as typed keys.
func (p *ptySession) typeKeys(s string) {
	p.t.Helper()
	if _, err := p.ptmx.Write([]byte(s)); err != nil {
		p.t.Fatal(err)
	}
}

// wait is the child's exit code (128+N for a death by signal N); a child
// that does not end within ptyPatience is killed and fails the test.
func (p *ptySession) wait() int {
	p.t.Helper()
	hung := time.AfterFunc(ptyPatience, func() { _ = p.cmd.Process.Kill() }) // a failed kill: it ended just now
	err := p.cmd.Wait()
	if !hung.Stop() {
		p.t.Fatalf("shopvault did not end within %v; terminal shows %q", ptyPatience, p.output())
	}
	if ee, ok := err.(*exec.ExitError); ok {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	return 0
}

// Issue 9: passphrase prompts never echo, and Ctrl-C at a prompt leaves
// the terminal echoing again and nothing written.
func TestPassphrasePrompt(t *testing.T) {
	dir := t.TempDir()
	const pass = "copper-lantern-orbit-meadow-violin-sprocket"
	p := startOnPty(t, dir, "--vault", filepath.Join(dir, "v.db"), "init", "--passphrase")
	p.waitFor("new vault passphrase: ")
	p.typeSecret(pass)
	p.waitFor("the same passphrase again: ")
	p.typeSecret(pass)
	p.waitFor("recovery sheet")
	p.typeKeys("\r")
	p.waitFor("Next: shopvault add")
	if code := p.wait(); code != 0 {
		t.Fatalf("init exited %d: %q", code, p.output())
	}
	if strings.Contains(p.output(), "copper") {
		t.Fatalf("the passphrase was echoed: %q", p.output())
	}
	if _, err := os.Stat(filepath.Join(dir, "v.db")); err != nil {
		t.Fatal("no vault after init")
	}

	c := startOnPty(t, dir, "--vault", filepath.Join(dir, "w.db"), "init", "--passphrase")
	c.waitFor("new vault passphrase: ")
	c.typeKeys("copper-lan\x03")
	code := c.wait()
	if code != 128+int(syscall.SIGINT) {
		t.Fatalf("Ctrl-C: exit %d, output %q", code, c.output())
	}
	termios, err := unix.IoctlGetTermios(int(c.tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if termios.Lflag&unix.ECHO == 0 {
		t.Fatal("Ctrl-C at the passphrase prompt left the terminal without echo")
	}
	if _, err := os.Stat(filepath.Join(dir, "w.db")); err == nil {
		t.Fatal("Ctrl-C at the prompt left a vault behind")
	}
}

// Issue 17 item 1: at the prompt a passphrase vault gives three tries, says
// when one was wrong, and a default identity file that does not open the
// vault does not stop the prompt from appearing.
func TestPassphraseThreeTries(t *testing.T) {
	dir := t.TempDir()
	const pass = "copper-lantern-orbit-meadow-violin-sprocket"
	passFile := filepath.Join(dir, "pass.txt")
	if err := os.WriteFile(passFile, []byte(pass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	vaultPath := filepath.Join(dir, "v.db")
	// the same places startOnPty gives the process
	env, _, errOut := testEnv(t, "")
	env.Getenv = func(k string) string {
		switch k {
		case "HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME":
			return dir
		case "XDG_STATE_HOME":
			return filepath.Join(dir, ".local", "state")
		}
		return ""
	}
	if code := run([]string{"init"}, env); code != 0 {
		t.Fatalf("init of the default vault exited %d", code)
	}
	if code := run([]string{"--vault", vaultPath, "--passphrase-file", passFile, "init", "--passphrase"}, env); code != 0 {
		t.Fatalf("init --passphrase exited %d: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "shopvault", "identity.txt")); err != nil {
		t.Fatal("no default identity file:", err)
	}

	p := startOnPty(t, dir, "--vault", vaultPath, "list", "--fields", "name")
	p.waitFor("vault passphrase: ")
	p.typeSecret("not-the-passphrase")
	p.waitFor("wrong passphrase; try again (2 of 3): ")
	p.typeSecret(pass)
	if code := p.wait(); code != 0 {
		t.Fatalf("the right passphrase on the second try: exit %d, %q", code, p.output())
	}

	q := startOnPty(t, dir, "--vault", vaultPath, "list", "--fields", "name")
	for i, prompt := range []string{"vault passphrase: ", "(2 of 3): ", "(3 of 3): "} {
		q.waitFor(prompt)
		q.typeSecret(fmt.Sprintf("wrong-%d", i))
	}
	q.waitFor("passphrase is wrong")
	if code := q.wait(); code != exitKey {
		t.Fatalf("three wrong passphrases: exit %d, want %d; %q", code, exitKey, q.output())
	}
}

// Issue 16: on a terminal a weak passphrase (or a mistyped confirmation) is
// explained and asked for again (three tries in all), never ending the
// command at the first one.
func TestWeakPassphraseAsksAgain(t *testing.T) {
	dir := t.TempDir()
	const strong = "skylight-poet-moody-cod-concert-shrapnel"
	p := startOnPty(t, dir, "--vault", filepath.Join(dir, "v.db"), "init", "--passphrase", "--shop-name", "Mama Put Kitchen")
	p.waitFor("new vault passphrase: ")
	p.typeSecret("MamaPutKitchen2026!")
	p.waitFor("try 2 of 3")
	p.waitFor("init --generate-passphrase")
	if !strings.Contains(p.output(), "the shop's name") {
		t.Fatalf("the refusal does not explain itself: %q", p.output())
	}
	p.waitFor("new vault passphrase: ")
	p.typeSecret(strong)
	p.waitFor("the same passphrase again: ")
	p.typeSecret(strong + "-typo")
	p.waitFor("try 3 of 3")
	if !strings.Contains(p.output(), "the two passphrases differ") {
		t.Fatalf("a mistyped confirmation is not explained: %q", p.output())
	}
	p.waitFor("new vault passphrase: ")
	p.typeSecret(strong)
	p.waitFor("the same passphrase again: ")
	p.typeSecret(strong)
	p.waitFor("recovery sheet")
	p.typeKeys("\r")
	p.waitFor("Next: shopvault add")
	if code := p.wait(); code != 0 {
		t.Fatalf("init exited %d: %q", code, p.output())
	}
	if strings.Contains(p.output(), "skylight") || strings.Contains(p.output(), "MamaPut") {
		t.Fatalf("a passphrase typed again was echoed: %q", p.output())
	}

	w := startOnPty(t, dir, "--vault", filepath.Join(dir, "w.db"), "init", "--passphrase")
	for i, weak := range []string{"correcthorsebatterystaple", "aaaaaaaaaaaaaaaa", "qwertyuiop123456"} {
		if i > 0 {
			w.waitFor(fmt.Sprintf("try %d of 3", i+1))
		}
		w.waitFor("new vault passphrase: ")
		w.typeSecret(weak)
	}
	if code := w.wait(); code != exitRefused {
		t.Fatalf("three weak passphrases: exit %d, want %d; output %q", code, exitRefused, w.output())
	}
	if _, err := os.Stat(filepath.Join(dir, "w.db")); err == nil {
		t.Fatal("refused passphrases left a vault behind")
	}
}

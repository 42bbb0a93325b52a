package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// proc runs this test binary as shopvault in dir.
type proc struct {
	t     *testing.T
	dir   string
	vault string // file name in dir; default v.db
	id    string // default id.txt
}

func (p proc) cmd(args ...string) *exec.Cmd {
	c := exec.Command(os.Args[0], args...)
	c.Dir = p.dir
	vault, id := p.vault, p.id
	if vault == "" {
		vault, id = "v.db", "id.txt"
	}
	c.Env = childEnv(p.dir, "SHOPVAULT_VAULT="+filepath.Join(p.dir, vault), "SHOPVAULT_IDENTITY="+filepath.Join(p.dir, id))
	return c
}

// run runs shopvault and returns stdout, stderr and the exit code.
func (p proc) run(stdin string, args ...string) (string, string, int) {
	c := p.cmd(args...)
	c.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		p.t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func (p proc) ok(args ...string) string {
	p.t.Helper()
	out, errs, code := p.run("", args...)
	if code != 0 {
		p.t.Fatalf("shopvault %v: exit %d: %s", args, code, errs)
	}
	return out
}

// killAfter starts shopvault and SIGKILLs it after d (if still running).
func (p proc) killAfter(d time.Duration, args ...string) bool {
	c := p.cmd(args...)
	if err := c.Start(); err != nil {
		p.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case err := <-done:
		_ = err // it finished before the deadline: how it ended is not what this asks
		return false
	case <-time.After(d):
		_ = c.Process.Signal(syscall.SIGKILL) // it may have just exited: Wait says
		if err := <-done; err == nil {
			return false // it finished by itself after all
		}
		return true
	}
}

// writeCustomers writes n synthetic customers; every tenth back-dated.
func writeCustomers(t *testing.T, path string, n int) map[string][2]string {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	must(t, w.Write([]string{"name", "email", "phone", "line1", "city", "country", "note", "created"}))
	want := map[string][2]string{}
	for i := 0; i < n; i++ {
		created := ""
		if i%10 == 0 {
			created = "2020-01-01"
		}
		email := fmt.Sprintf("c%d@example.com", i)
		name := fmt.Sprintf("Customer Ọ%d", i)
		note := fmt.Sprintf("note %d", i)
		must(t, w.Write([]string{name, email, fmt.Sprintf("+44 20 7946 %04d", i%10000), fmt.Sprintf("%d High St", i), "London", "GB", note, created}))
		want[email] = [2]string{name, note}
	}
	w.Flush()
	must(t, f.Close())
	return want
}

// contents lists every customer's email → name, note, as the vault has them.
func (p proc) contents() map[string][2]string {
	p.t.Helper()
	var list []map[string]any
	if err := json.Unmarshal([]byte(p.ok("list", "--fields", "name,email,note", "--json")), &list); err != nil {
		p.t.Fatal(err)
	}
	out := map[string][2]string{}
	for _, c := range list {
		out[c["email"].(string)] = [2]string{c["name"].(string), c["note"].(string)}
	}
	return out
}

func crashIterations(t *testing.T) int {
	if s := os.Getenv("SHOPVAULT_CRASH_ITER"); s != "" {
		n, _ := strconv.Atoi(s)
		return n
	}
	if testing.Short() {
		return 2
	}
	return 4
}

// Issue 8: kill -9 import, rotate, purge --apply and restore at random
// moments; after every kill the vault opens, check passes, every committed
// customer reads back exactly, and a rerun completes the work.
// SHOPVAULT_CRASH_ITER=50 runs the long version.
func TestCrashSafety(t *testing.T) {
	iters := crashIterations(t)
	rng := rand.New(rand.NewPCG(1, 2))
	dir := t.TempDir()
	src := writeCustomers(t, filepath.Join(dir, "customers.csv"), 3000)
	rules := filepath.Join(dir, "rules.toml")
	must(t, os.WriteFile(rules, []byte("[[rule]]\nname = \"old\"\nwhen = \"created\"\nolder_than = \"2y\"\naction = \"erase\"\n"), 0o600))
	p := proc{t: t, dir: dir}
	p.ok("init", "--identity-out", filepath.Join(dir, "id.txt"))
	template := filepath.Join(dir, "template.db")

	start := time.Now()
	p.ok("import", "customers.csv")
	importTime := time.Since(start)
	must(t, copyFile(filepath.Join(dir, "v.db"), template))
	trusts, _ := filepath.Glob(filepath.Join(dir, ".local", "state", "shopvault", "trust", "*.json"))
	if len(trusts) != 1 {
		t.Fatalf("trust files after init: %v", trusts)
	}
	trustFile := trusts[0]
	must(t, copyFile(trustFile, template+".trust"))
	witnessFile := strings.TrimSuffix(trustFile, ".json") + ".witness2"
	must(t, copyFile(witnessFile, template+".witness2"))
	p.ok("backup", "-o", filepath.Join(dir, "backup.age"))
	reset := func() {
		for _, suffix := range []string{"", ".compact-tmp", ".restore-tmp", ".before-restore"} {
			removeIfThere(t, filepath.Join(dir, "v.db"+suffix))
		}
		must(t, copyFile(template, filepath.Join(dir, "v.db")))
		// Putting an old copy in place is a whole-file rollback, which this
		// machine's trust file would catch: put back its trust file of
		// that moment too, and its rollback witness.
		must(t, copyFile(template+".trust", trustFile))
		must(t, copyFile(template+".witness2", witnessFile))
	}
	exact := func(what string, got map[string][2]string, allowMissing bool) {
		t.Helper()
		for email, v := range got {
			if src[email] != v {
				t.Fatalf("%s: customer %s reads back as %q, want %q", what, email, v, src[email])
			}
		}
		if !allowMissing && len(got) != len(src) {
			t.Fatalf("%s: %d customers, want %d", what, len(got), len(src))
		}
	}
	afterKill := func(what string) {
		t.Helper()
		if out, errs, code := p.run("", "check"); code != 0 {
			t.Fatalf("%s: check after kill exited %d: %s %s", what, code, out, errs)
		}
	}
	timed := func(args ...string) time.Duration {
		reset()
		start := time.Now()
		p.ok(args...)
		return time.Since(start)
	}
	rotateTime := timed("rotate", "--group", "all")
	purgeTime := timed("purge", "--rules", rules, "--apply")
	reset()
	p.ok("purge", "--rules", rules, "--apply")
	start = time.Now()
	p.ok("restore", "backup.age", "--yes")
	restoreTime := time.Since(start)
	kills := map[string]int{}
	killAt := func(what string, d time.Duration, args ...string) {
		if p.killAfter(time.Duration(rng.Int64N(int64(d))), args...) {
			kills[what]++
		}
	}
	defer func() { t.Logf("kills that landed mid-operation in %d iterations: %v", iters, kills) }()
	for i := 0; i < iters; i++ {
		// import: committed batches stay; the rerun skips them as duplicates
		ip := proc{t: t, dir: dir, vault: fmt.Sprintf("imp-%d.db", i), id: fmt.Sprintf("imp-%d.txt", i)}
		ip.ok("init", "--identity-out", filepath.Join(dir, ip.id))
		if ip.killAfter(time.Duration(rng.Int64N(int64(importTime))), "import", "customers.csv") {
			kills["import"]++
		}
		if out, errs, code := ip.run("", "check"); code != 0 {
			t.Fatalf("import: check after kill exited %d: %s %s", code, out, errs)
		}
		exact("import after kill", ip.contents(), true)
		ip.ok("import", "customers.csv")
		exact("import rerun", ip.contents(), false)

		// rotate: every record reads at every moment; the rerun finishes
		reset()
		killAt("rotate", rotateTime, "rotate", "--group", "all")
		afterKill("rotate")
		exact("rotate after kill", p.contents(), false)
		p.ok("rotate", "--group", "all")
		p.ok("check")
		exact("rotate rerun", p.contents(), false)

		// purge: each customer is either whole or gone, never half
		reset()
		killAt("purge", purgeTime, "purge", "--rules", rules, "--apply")
		afterKill("purge")
		exact("purge after kill", p.contents(), true)
		p.ok("purge", "--rules", rules, "--apply")
		if got := p.contents(); len(got) != 2700 {
			t.Fatalf("purge rerun left %d customers, want 2700", len(got))
		}

		// restore: the vault is the old one or the restored one, never a mix
		reset()
		p.ok("purge", "--rules", rules, "--apply")
		killAt("restore", restoreTime, "restore", "backup.age", "--yes")
		afterKill("restore")
		// A kill after the vault was replaced leaves the old vault as
		// .before-restore: the rerun refuses to write over it until it is
		// moved away (a kill before that leaves an exact copy, removed).
		before := filepath.Join(dir, "v.db.before-restore")
		if _, errs, code := p.run("", "restore", "backup.age", "--yes"); code != 0 {
			if _, err := os.Lstat(before); err != nil || code != 1 || !strings.Contains(errs, "in the way") {
				t.Fatalf("restore after a killed restore: exit %d %s", code, errs)
			}
			if err := os.Rename(before, before+".moved"); err != nil {
				t.Fatal(err)
			}
			p.ok("restore", "backup.age", "--yes")
		}
		p.ok("check")
		if got := p.contents(); len(got) != 2700 {
			t.Fatalf("restore kept %d customers, want the 2700 not erased", len(got))
		}
	}
}

// Issue 8: four processes adding while purge --apply and backup run: every
// add succeeds or exits 4 saying the vault is in use; with --wait all
// succeed; none lost, none duplicated.
func TestConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	p := proc{t: t, dir: dir}
	p.ok("init", "--identity-out", filepath.Join(dir, "id.txt"))
	writeCustomers(t, filepath.Join(dir, "customers.csv"), 2000)
	p.ok("import", "customers.csv")
	rules := filepath.Join(dir, "rules.toml")
	must(t, os.WriteFile(rules, []byte("[[rule]]\nname = \"old\"\nwhen = \"created\"\nolder_than = \"2y\"\naction = \"erase\"\n"), 0o600))
	for _, wait := range []string{"0s", "60s"} {
		var wg sync.WaitGroup
		var mu sync.Mutex
		added, busy := 0, 0
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for j := 0; j < 5; j++ {
					email := fmt.Sprintf("w%d-%d-%s@example.com", w, j, wait)
					_, errs, code := p.run("", "--wait", wait, "add", "--name", "Writer "+email, "--email", email)
					mu.Lock()
					switch {
					case code == 0:
						added++
					case code == 4 && strings.Contains(errs, "vault is in use"):
						busy++
					default:
						t.Errorf("add exited %d: %s", code, errs)
					}
					mu.Unlock()
				}
			}(w)
		}
		wg.Add(2)
		go func() { defer wg.Done(); p.run("", "--wait", "60s", "purge", "--rules", rules, "--apply") }()
		go func() {
			defer wg.Done()
			p.run("", "--wait", "60s", "backup", "-o", filepath.Join(dir, "b-"+wait+".age"))
		}()
		wg.Wait()
		t.Logf("--wait %s: %d adds succeeded, %d said the vault is in use", wait, added, busy)
		if wait == "60s" && added != 20 {
			t.Fatalf("with --wait 60s, %d of 20 adds succeeded (%d busy)", added, busy)
		}
		// every successful add is there exactly once
		got := p.contents()
		n := 0
		for email := range got {
			if strings.HasSuffix(email, "-"+wait+"@example.com") {
				n++
			}
		}
		if n != added {
			t.Fatalf("--wait %s: %d adds succeeded but %d are in the vault", wait, added, n)
		}
	}
	p.ok("check")
}

// Issue 8: a full disk gives a clear error and leaves the vault unchanged.
func TestFullDisk(t *testing.T) {
	mnt := t.TempDir()
	if err := exec.Command("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mnt).Run(); err != nil {
		t.Skip("cannot mount a small tmpfs here (needs root):", err)
	}
	defer func() { _ = exec.Command("umount", mnt).Run() }() // best effort: the test's folder goes anyway
	p := proc{t: t, dir: mnt}
	p.ok("init", "--identity-out", filepath.Join(mnt, "id.txt"))
	p.ok("add", "--name", "Kept Customer", "--email", "kept@example.com")
	before := p.contents()
	// fill the disk, leaving a little room
	filler, _ := os.Create(filepath.Join(mnt, "filler"))
	buf := make([]byte, 64<<10)
	for {
		if _, err := filler.Write(buf); err != nil {
			break
		}
	}
	must(t, filler.Close())
	bigPath := filepath.Join(t.TempDir(), "big.csv")
	writeCustomers(t, bigPath, 3000)
	_, errs, code := p.run("", "import", bigPath)
	if code == 0 {
		t.Fatal("import onto a full disk succeeded")
	}
	if strings.Contains(errs, "panic") || !strings.Contains(errs, "disk is full") {
		t.Fatalf("unclear error: %s", errs)
	}
	must(t, os.Remove(filepath.Join(mnt, "filler")))
	if _, errs, code := p.run("", "check"); code != 0 {
		t.Fatalf("check after a full disk: %s", errs)
	}
	after := p.contents()
	if len(after) != len(before) || after["kept@example.com"] != before["kept@example.com"] {
		t.Fatalf("the vault changed: %v -> %d customers", before, len(after))
	}
}

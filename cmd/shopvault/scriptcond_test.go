package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/rogpeppe/go-internal/txtar"
)

// recordingT runs testscript's scripts one after the other and records how
// they ended, so a test can assert that a script fails.
type recordingT struct {
	mu      sync.Mutex
	failed  bool
	skipped bool
	log     strings.Builder
}

func (r *recordingT) Log(args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintln(&r.log, args...)
}

func (r *recordingT) FailNow() {
	r.mu.Lock()
	r.failed = true
	r.mu.Unlock()
	runtime.Goexit() // as testing.T does; Run waits for the goroutine
}

func (r *recordingT) Fatal(args ...any) { r.Log(args...); r.FailNow() }

func (r *recordingT) Skip(args ...any) {
	r.Log(args...)
	r.mu.Lock()
	r.skipped = true
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recordingT) Parallel()     {}
func (r *recordingT) Verbose() bool { return false }

func (r *recordingT) Run(_ string, f func(testscript.T)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
}

// Issue 16: a misspelt condition fails the script instead of skipping its
// line (and with it the assertion on that line); the conditions the
// scripts use still work.
func TestUnknownScriptConditionFails(t *testing.T) {
	for _, tc := range []struct {
		name, script, wantLog string
		wantFail              bool
	}{
		{name: "misspelt", script: "[linx] exists nothing-here\n", wantFail: true, wantLog: `unknown condition "linx"`},
		{name: "misspelt and negated", script: "[!linx] exists nothing-here\n", wantFail: true, wantLog: `unknown condition "linx"`},
		{name: "misspelt after a true one", script: "[unix] [pdftotxt] exists nothing-here\n", wantFail: true, wantLog: `unknown condition "pdftotxt"`},
		{name: "known ones", script: "[pdftotext] exists a.txt\n[!pdftotext] exists a.txt\n[cjkfont] exists a.txt\n[!cjkfont] exists a.txt\n[unix] exists a.txt\n[exec:sh] exists a.txt\n[short] exists a.txt\n\n-- a.txt --\nhere\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "cond.txtar"), []byte(tc.script), 0o600); err != nil {
				t.Fatal(err)
			}
			var r recordingT
			testscript.RunT(&r, testscript.Params{Dir: dir, WorkdirRoot: t.TempDir(), RequireExplicitExec: true, Condition: scriptCondition})
			if r.skipped || r.failed != tc.wantFail || !strings.Contains(r.log.String(), tc.wantLog) {
				t.Fatalf("script %q: failed %v, skipped %v, want failed %v and a log with %q; log:\n%s", tc.script, r.failed, r.skipped, tc.wantFail, tc.wantLog, r.log.String())
			}
		})
	}
}

// scriptConditions lists the conditions on the lines of a script, each
// once; a line's later conditions are read even where testscript would
// stop at a false one.
func scriptConditions(script []byte) []string {
	seen := map[string]bool{}
	var conds []string
	for _, line := range strings.Split(string(script), "\n") {
		line = strings.TrimSpace(line)
		for strings.HasPrefix(line, "[") {
			end := strings.Index(line, "]")
			if end < 0 {
				break
			}
			cond := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line[1:end]), "!"))
			if !seen[cond] {
				seen[cond] = true
				conds = append(conds, cond)
			}
			line = strings.TrimSpace(line[end+1:])
		}
	}
	return conds
}

// Every condition in testdata/script is one testscript or scriptCondition
// knows, including those on lines a run never reaches (after a false
// condition on the same line, a skip or a stop): each is evaluated on a
// line of its own.
func TestScriptConditionsAreKnown(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "script", "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("scripts: %v %v", files, err)
	}
	var probe strings.Builder
	for _, file := range files {
		a, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, cond := range scriptConditions(a.Comment) {
			fmt.Fprintf(&probe, "# %s\n[%s] env SEEN=1\n", filepath.Base(file), cond)
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "conds.txtar"), []byte(probe.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	var r recordingT
	testscript.RunT(&r, testscript.Params{Dir: dir, WorkdirRoot: t.TempDir(), RequireExplicitExec: true, Condition: scriptCondition})
	if r.failed || r.skipped {
		t.Fatalf("a condition in testdata/script is unknown:\n%s", r.log.String())
	}
}

func TestScriptConditionsParse(t *testing.T) {
	got := fmt.Sprint(scriptConditions([]byte("# [not] a condition\n[pdftotext] [!exec:pdfinfo] exec x\n  [ unix ] stop\n[pdftotext] exec y\n! exec z [nope]\n")))
	if want := "[pdftotext exec:pdfinfo unix]"; got != want {
		t.Fatalf("conditions %s, want %s", got, want)
	}
}

package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// testScryptWorkFactor keeps passphrase tests fast; the CLI cannot set it.
const testScryptWorkFactor = 10

func TestMain(m *testing.M) {
	// Crash and concurrency tests start this test binary as shopvault, so
	// they can SIGKILL a real process.
	if os.Getenv("SHOPVAULT_TEST_AS_BINARY") == "1" {
		env := systemEnv()
		env.ScryptWorkFactor = testScryptWorkFactor
		os.Exit(run(os.Args[1:], env))
	}
	testscript.Main(m, map[string]func(){
		"shopvault": func() {
			env := systemEnv()
			env.ScryptWorkFactor = testScryptWorkFactor
			os.Exit(run(os.Args[1:], env))
		},
	})
}

// TestScripts runs the end-to-end CLI scripts in testdata/script: one
// behaviour each, with exit codes, stdout and stderr asserted together.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("..", "..", "testdata", "script"),
		RequireExplicitExec: true,
		Cmds:                map[string]func(ts *testscript.TestScript, neg bool, args []string){"backdate": backdateAll},
		Setup: func(e *testscript.Env) error {
			home := filepath.Join(e.WorkDir, "home")
			e.Setenv("HOME", home)
			e.Setenv("XDG_DATA_HOME", filepath.Join(home, ".local", "share"))
			e.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
			e.Setenv("XDG_STATE_HOME", filepath.Join(home, ".local", "state"))
			e.Setenv("NO_COLOR", "1")
			return copyFile(filepath.Join("..", "..", "testdata", "customers-sample.csv"), filepath.Join(e.WorkDir, "customers-sample.csv"))
		},
		Condition: scriptCondition,
	})
}

// scriptCondition answers the conditions the scripts use beyond
// testscript's own (TestUnknownScriptConditionFails).
func scriptCondition(cond string) (bool, error) {
	switch cond {
	case "pdftotext":
		_, err := exec.LookPath("pdftotext")
		return err == nil, nil
	case "cjkfont":
		for _, p := range cjkFontPaths {
			if _, err := os.Stat(p); err == nil {
				return true, nil
			}
		}
		return false, nil
	}
	// A misspelt condition would otherwise skip its line silently.
	return false, fmt.Errorf("unknown condition %q (known here: pdftotext, cjkfont, and testscript's own)", cond)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }() // read only: nothing to lose
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close() // the copy failed already; that is the error to report
		return err
	}
	return out.Close()
}

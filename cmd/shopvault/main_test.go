package main

import (
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
		Setup: func(e *testscript.Env) error {
			home := filepath.Join(e.WorkDir, "home")
			e.Setenv("HOME", home)
			e.Setenv("XDG_DATA_HOME", filepath.Join(home, ".local", "share"))
			e.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
			e.Setenv("NO_COLOR", "1")
			return copyFile(filepath.Join("..", "..", "testdata", "customers-sample.csv"), filepath.Join(e.WorkDir, "customers-sample.csv"))
		},
		Condition: func(cond string) (bool, error) {
			if cond == "pdftotext" {
				_, err := exec.LookPath("pdftotext")
				return err == nil, nil
			}
			return false, nil
		},
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

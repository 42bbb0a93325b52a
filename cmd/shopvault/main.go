// Command shopvault keeps a small shop's customer records in an encrypted
// file on the owner's own machine. This package is thin: flags, prompts,
// output and exit codes; the work happens in vault, crypto and export.
package main

import (
	"crypto/rand"
	"os"
	"time"

	"golang.org/x/term"
)

func main() { os.Exit(run(os.Args[1:], systemEnv())) }

// systemEnv is the real world: stdin/stdout/stderr, the clock, crypto/rand
// and the process environment.
func systemEnv() *Env {
	return &Env{
		In:          os.Stdin,
		Out:         os.Stdout,
		ErrOut:      os.Stderr,
		StdinIsTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		StdoutIsTTY: term.IsTerminal(int(os.Stdout.Fd())),
		StderrIsTTY: term.IsTerminal(int(os.Stderr.Fd())),
		Getenv:      os.Getenv,
		Now:         time.Now,
		Rand:        rand.Reader,
		OpenTTY:     openTTY,
		Interrupts:  interrupts,
		TermWidth:   stderrWidth,
	}
}

// stderrWidth is the width of the terminal on stderr, 80 when unknown.
func stderrWidth() int {
	if w, _, err := term.GetSize(int(os.Stderr.Fd())); err == nil && w > 0 {
		return w
	}
	return 80
}

// run executes one command line and returns the process exit code. It is the
// only place errors become exit codes, so tests can call it in-process.
func run(args []string, env *Env) int {
	out := &stickyWriter{w: env.Out}
	cmdEnv := *env
	cmdEnv.Out = out
	root := newRootCmdFor(&cmdEnv, args)
	root.SetArgs(args)
	c, err := root.ExecuteC()
	path := ""
	if c != nil {
		path = c.CommandPath()
	}
	if err == nil && out.err != nil {
		err = &exitError{code: exitOther, msg: "the command was done, but its output could not be written (" + out.err.Error() + ")",
			hint: "check the free space or the program that reads the output, then run a command that shows the result (list, show)"}
	}
	return report(env, err, path)
}

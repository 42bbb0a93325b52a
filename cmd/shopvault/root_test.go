package main

import (
	"slices"
	"testing"
)

// Issue 16: a command line that names a command builds it alone. Every
// command of the full tree is either buildable alone under its own name,
// or one that reads the whole tree (help, completion, man).
func TestTopLevelCommandsCoverTheTree(t *testing.T) {
	env, _, _ := testEnv(t, "")
	var names []string
	for _, c := range topLevelCommands() {
		if got := c.build(env, &Global{}).Name(); got != c.name {
			t.Errorf("builder %q makes the command %q", c.name, got)
		}
		names = append(names, c.name)
	}
	for _, c := range newRootCmd(env).Commands() {
		if !slices.Contains(names, c.Name()) && !slices.Contains([]string{"help", "completion", "man"}, c.Name()) {
			t.Errorf("%s is in the tree but cannot be built alone: add it to topLevelCommands", c.Name())
		}
	}
}

func TestCommandName(t *testing.T) {
	env, _, _ := testEnv(t, "")
	root := newRootCmdFor(env, []string{})
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, ""},
		{[]string{"find", "--email", "a@b.ng"}, "find"},
		{[]string{"--vault", "v.db", "--identity", "id.txt", "find"}, "find"},
		{[]string{"--vault=v.db", "show", "K7QM-4TXR-Z"}, "show"},
		{[]string{"--json", "list"}, "list"},
		{[]string{"--wait", "0s", "--reason", "call", "show", "X"}, "show"},
		{[]string{"help", "find"}, "help"},
		{[]string{"-h"}, ""},
		{[]string{"--", "find"}, ""},
		{[]string{"--vault"}, ""},
	} {
		if got := commandName(root, tc.args); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.args, got, tc.want)
		}
	}
}

// A command built alone behaves as in the whole tree: the same help, the
// same refusal of a bad flag.
func TestCommandAloneBehavesAsInTheTree(t *testing.T) {
	for _, c := range topLevelCommands() {
		for _, args := range [][]string{{c.name, "--help"}, {"--vault", "x.db", c.name, "--no-such-flag"}} {
			aloneEnv, aloneOut, aloneErr := testEnv(t, "")
			alone := newRootCmdFor(aloneEnv, args)
			if n := len(alone.Commands()); n != 1 {
				t.Fatalf("%q built %d commands, want 1", args, n)
			}
			alone.SetArgs(args)
			_, aloneRes := alone.ExecuteC()
			fullEnv, fullOut, fullErr := testEnv(t, "")
			full := newRootCmd(fullEnv)
			full.SetArgs(args)
			_, fullRes := full.ExecuteC()
			if aloneOut.String() != fullOut.String() || aloneErr.String() != fullErr.String() || (aloneRes == nil) != (fullRes == nil) ||
				(aloneRes != nil && aloneRes.Error() != fullRes.Error()) {
				t.Errorf("%q alone differs from the whole tree:\n%s%s%v\n---\n%s%s%v", args, aloneOut, aloneErr, aloneRes, fullOut, fullErr, fullRes)
			}
		}
	}
}

package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// wantExit checks that err exits with code and a message containing msg
// (code 0: err is nil).
func wantExit(t *testing.T, name string, err error, code int, msg string) {
	t.Helper()
	if code == exitOK {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		return
	}
	if err == nil {
		t.Errorf("%s: no error, want exit %d", name, code)
		return
	}
	// classify is what turns a run function's error into the exit code.
	ee := classify(err)
	if ee.code != code || !strings.Contains(ee.msg, msg) {
		t.Errorf("%s: got exit %d %q, want exit %d with %q", name, ee.code, ee.msg, code, msg)
	}
}

// The run functions are called without cobra: the options struct is the
// whole interface, so flag combinations are tested as plain values.
func TestPurgeRun(t *testing.T) {
	h := newCLIHarness(t)
	h.ok("", "init", "--identity-out", h.owner)
	h.ok(h.owner, "add", "--name", "Cy Old", "--city", "York", "--country", "GB", "--created", "2020-01-01")
	h.ok(h.owner, "add", "--name", "Di New", "--city", "York", "--country", "GB")
	badRules := filepath.Join(h.dir, "bad.toml")
	must(t, os.WriteFile(badRules, []byte("[[rule]]\nname = \"x\"\nwhen = \"someday\"\n"), 0o600))
	for _, tc := range []struct {
		name     string
		o        purgeOptions
		code     int
		msg      string
		stdout   string
		unerased bool
	}{
		{"apply and upcoming", purgeOptions{Rules: h.rules, Apply: true, Upcoming: "7d"}, exitUsage, "cannot be combined with --apply", "", true},
		{"upcoming not a span", purgeOptions{Rules: h.rules, Upcoming: "soon"}, exitUsage, "--upcoming:", "", true},
		{"no rules file", purgeOptions{Rules: filepath.Join(h.dir, "missing.toml")}, exitOther, "cannot read rules file", "", true},
		{"rules file refused", purgeOptions{Rules: badRules}, exitRefused, "", "", true},
		{"dry run", purgeOptions{Rules: h.rules}, exitOK, "", "purge (dry run): 1 action planned, 0 held back", true},
		{"upcoming", purgeOptions{Rules: h.rules, Upcoming: "30d"}, exitOK, "", "purge: 0 actions coming in the next 30d (nothing changed)", true},
		{"apply", purgeOptions{Rules: h.rules, Apply: true}, exitOK, "", "purge: 1 customer erased, 0 fields dropped, 0 held back", false},
	} {
		env, out, _ := h.env()
		g := &Global{VaultPath: h.vault, Wait: time.Second}
		err := purgeRun(env, g, &tc.o)
		wantExit(t, tc.name, err, tc.code, tc.msg)
		if !strings.Contains(out.String(), tc.stdout) {
			t.Errorf("%s: stdout %q lacks %q", tc.name, out.String(), tc.stdout)
		}
		if tc.code != exitOK && out.Len() != 0 {
			t.Errorf("%s: refused, yet printed %q", tc.name, out.String())
		}
		inv := h.ok("", "inventory")
		if erased := !strings.Contains(inv, "erased so far: 0"); erased == tc.unerased {
			t.Errorf("%s: after it the vault holds %q", tc.name, inv)
		}
	}
}

func TestRotateRun(t *testing.T) {
	h := newCLIHarness(t)
	h.ok("", "init", "--identity-out", h.owner)
	a := h.alias(h.ok(h.owner, "add", "--name", "Ada Obi", "--email", "ada@example.org", "--json"))
	h.ok(h.owner, "add", "--name", "Bo Bell", "--city", "Leeds", "--country", "GB")
	taken := filepath.Join(h.dir, "taken.txt")
	must(t, os.WriteFile(taken, []byte("another vault's key\n"), 0o600))
	for _, tc := range []struct {
		name     string
		identity string
		o        rotateOptions
		code     int
		msg      string
		stdout   string
	}{
		{"unknown group", h.owner, rotateOptions{Group: "everything"}, exitUsage, "--group must be shipping, contact, notes, index, audit or all", ""},
		{"no identity", "", rotateOptions{Group: "contact"}, exitKey, "(role owner)", ""},
		{"identity-out over a file", h.owner, rotateOptions{Group: "all", IdentityOut: taken}, exitOther, "is never overwritten", ""},
		{"one group", h.owner, rotateOptions{Group: "contact"}, exitOK, "", "rotated contact over 2 customers"},
		{"all groups", h.owner, rotateOptions{Group: "all"}, exitOK, "", "rotated shipping, contact, notes, index, audit over 2 customers"},
	} {
		env, out, _ := h.env()
		g := &Global{VaultPath: h.vault, Wait: time.Second}
		if tc.identity != "" {
			g.Identities = []string{tc.identity}
		}
		err := rotateRun(env, g, &tc.o)
		wantExit(t, tc.name, err, tc.code, tc.msg)
		if !strings.Contains(out.String(), tc.stdout) {
			t.Errorf("%s: stdout %q lacks %q", tc.name, out.String(), tc.stdout)
		}
		if tc.code != exitOK && out.Len() != 0 {
			t.Errorf("%s: refused, yet printed %q", tc.name, out.String())
		}
		// whatever happened, the owner still reads every record and the
		// file that was in the way is untouched
		if got := h.ok(h.owner, "show", a); !strings.Contains(got, "ada@example.org") {
			t.Errorf("%s: after it, show prints %q", tc.name, got)
		}
		if data, err := os.ReadFile(taken); err != nil || string(data) != "another vault's key\n" {
			t.Errorf("%s: %s now holds %q (%v)", tc.name, taken, data, err)
		}
	}
}

// Flags that cannot work are refused by the run function before the vault
// is opened: the usage error names the flag, and no vault file appears.
func TestRunFunctionsRefuseBadFlagsFirst(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		run  func(*Env, *Global) error
		code int
		msg  string
	}{
		{"consent maybe", func(env *Env, g *Global) error {
			return consentRun(env, g, "K7QM-4TXR-Z", "maybe", "marketing")
		}, exitUsage, "the second argument must be grant or withdraw"},
		{"audit report without --since", func(env *Env, g *Global) error {
			return auditReportRun(env, g, &auditReportOptions{})
		}, exitUsage, "audit report needs --since DATE"},
		{"audit report --since not a date", func(env *Env, g *Global) error {
			return auditReportRun(env, g, &auditReportOptions{Since: "last week"})
		}, exitUsage, "--since:"},
		{"audit list --since not a date", func(env *Env, g *Global) error {
			return auditListRun(env, g, &auditListOptions{Since: "31/12/2026"})
		}, exitUsage, "--since:"},
		{"alias issue --expires not a span", func(env *Env, g *Global) error {
			return aliasIssueRun(env, g, &aliasIssueOptions{Expires: "soon"}, "K7QM-4TXR-Z")
		}, exitUsage, "--expires:"},
		{"recipients add without --role", func(env *Env, g *Global) error {
			return recipientsAddRun(env, g, &recipientsAddOptions{Name: "desk"}, "age1x")
		}, exitUsage, "recipients add needs --role"},
		{"recipients add --role boss", func(env *Env, g *Global) error {
			return recipientsAddRun(env, g, &recipientsAddOptions{Role: "boss", Name: "desk"}, "age1x")
		}, exitRefused, "must be owner, support or shipping"},
		{"edit nothing", func(env *Env, g *Global) error {
			return editRun(env, g, map[string]string{}, "K7QM-4TXR-Z", editOptions{})
		}, exitUsage, "nothing to change"},
		{"add --stdin with field flags", func(env *Env, g *Global) error {
			return addModeRun(env, g, &addOptions{Stdin: true}, map[string]string{"name": "Ada Obi"})
		}, exitUsage, "do not also give field flags"},
		{"add no fields, no terminal", func(env *Env, g *Global) error {
			return addModeRun(env, g, &addOptions{}, map[string]string{})
		}, exitUsage, "no fields given"},
		{"no vault to open", func(env *Env, g *Global) error {
			return dedupeRun(env, g, &dedupeOptions{})
		}, exitOther, "no vault found at"},
		{"man without -o", func(env *Env, g *Global) error {
			return manRun(env, g, &manOptions{}, nil)
		}, exitUsage, "man needs -o DIR"},
		{"rules check without a rules file", func(env *Env, g *Global) error {
			return rulesCheckRun(env, g, &rulesOptions{Rules: filepath.Join(dir, "missing.toml")})
		}, exitOther, "cannot read rules file"},
	} {
		env, out, _ := testEnv(t, "")
		g := &Global{VaultPath: filepath.Join(dir, "v.db"), Wait: time.Second}
		wantExit(t, tc.name, tc.run(env, g), tc.code, tc.msg)
		if out.Len() != 0 {
			t.Errorf("%s: refused, yet printed %q", tc.name, out.String())
		}
		if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
			t.Errorf("%s: left %v in the folder (%v)", tc.name, entries, err)
		}
	}
}

// One command style (issue 16): a command's RunE only hands its options to
// its run function. It may first note what only cobra knows (which flags
// were given), in one assignment.
func TestEveryRunEOnlyCallsItsRunFunction(t *testing.T) {
	files, err := filepath.Glob("*.go")
	must(t, err)
	fset := token.NewFileSet()
	seen := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		must(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			kv, ok := n.(*ast.KeyValueExpr)
			if !ok {
				return true
			}
			if key, ok := kv.Key.(*ast.Ident); !ok || key.Name != "RunE" {
				return true
			}
			seen++
			where := fset.Position(kv.Pos())
			fn, ok := kv.Value.(*ast.FuncLit)
			if !ok {
				t.Errorf("%s: RunE is not a function literal", where)
				return false
			}
			if !onlyCallsRun(fn.Body.List) {
				t.Errorf("%s: RunE does more than call a run function (xRun(env, g, &o, args...)): move the body into one", where)
			}
			return false
		})
	}
	if seen < 40 {
		t.Fatalf("found %d RunE fields; the walk missed commands", seen)
	}
}

// onlyCallsRun tells whether stmts are at most one assignment, then
// return xRun(…).
func onlyCallsRun(stmts []ast.Stmt) bool {
	if len(stmts) == 0 || len(stmts) > 2 {
		return false
	}
	if len(stmts) == 2 {
		if _, ok := stmts[0].(*ast.AssignStmt); !ok {
			return false
		}
	}
	ret, ok := stmts[len(stmts)-1].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 {
		return false
	}
	call, ok := ret.Results[0].(*ast.CallExpr)
	if !ok {
		return false
	}
	fn, ok := call.Fun.(*ast.Ident)
	return ok && strings.HasSuffix(fn.Name, "Run")
}

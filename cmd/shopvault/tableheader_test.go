package main

import (
	"regexp"
	"strings"
	"testing"
)

// A trial from outside: list, find and audit list print a header line on a
// terminal (bold unless NO_COLOR), as cli/cli does; piped to a script they
// print today's exact lines, tab-separated with no header, which scripts
// and the acceptance checks parse.
func TestListFindAuditHeaderOnlyOnATerminal(t *testing.T) {
	env, out, errOut := testEnv(t, "")
	vars := map[string]string{}
	getenv := env.Getenv
	env.Getenv = func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		return getenv(k)
	}
	if code := run([]string{"init"}, env); code != 0 {
		t.Fatalf("init: %d %s", code, errOut)
	}
	if code := run([]string{"add", "--name", "Ada Obi", "--email", "ada@example.org"}, env); code != 0 {
		t.Fatalf("add: %d %s", code, errOut)
	}
	alias := strings.TrimSpace(out.String())
	day := `\d{4}-\d\d-\d\d`
	tests := []struct {
		name   string
		args   []string
		header string // the terminal's header line, columns separated by spaces
		piped  string // the whole piped output, a regular expression
	}{
		{"list", []string{"list"}, "ALIAS CREATED LAST ACTIVITY LAST SHIPMENT FIELDS",
			`^` + alias + `\t` + day + `\t` + day + `\t\tname,email\n$`},
		{"find", []string{"find", "--email", "ada@example.org"}, "ALIAS CREATED LAST ACTIVITY",
			`^` + alias + `\t` + day + `\t` + day + `\n$`},
		{"audit list", []string{"audit", "list"}, "SEQ TIME ACTOR ACTION ALIASES REASON",
			`^1\t` + day + ` [\d:]{8}\towner\tinit\t\t\n2\t` + day + ` [\d:]{8}\towner\tadd\t` + alias + `\t\n`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, mode := range []struct {
				tty     bool
				noColor string
			}{{false, "1"}, {true, "1"}, {true, ""}} {
				env.StdoutIsTTY = mode.tty
				vars["NO_COLOR"] = mode.noColor
				out.Reset()
				if code := run(tt.args, env); code != 0 {
					t.Fatalf("%v: %d %s", tt.args, code, errOut)
				}
				got := out.String()
				if !mode.tty {
					if !regexp.MustCompile(tt.piped).MatchString(got) {
						t.Errorf("piped %v printed %q, want %s", tt.args, got, tt.piped)
					}
					continue
				}
				first, rest, _ := strings.Cut(got, "\n")
				bold := strings.HasPrefix(first, "\x1b[1m")
				if bold != (mode.noColor == "") {
					t.Errorf("terminal %v, NO_COLOR=%q: header bold = %v: %q", tt.args, mode.noColor, bold, first)
				}
				first = strings.NewReplacer("\x1b[1m", "", "\x1b[0m", "").Replace(first)
				if strings.Join(strings.Fields(first), " ") != tt.header {
					t.Errorf("terminal %v: header %q, want %q", tt.args, first, tt.header)
				}
				if !strings.Contains(rest, alias) || strings.Contains(rest, "\t") {
					t.Errorf("terminal %v: rows not aligned with spaces or missing the customer: %q", tt.args, rest)
				}
			}
		})
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// printJSON writes v as indented JSON: the stable shapes documented in
// docs/json.md.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// table prints aligned columns on a terminal and tab-separated plain text
// when piped, so scripts can cut(1) it.
type table struct {
	w     io.Writer
	tty   bool
	rows  [][]string
	color bool
}

func newTable(env *Env, header ...string) *table {
	t := &table{w: env.Out, tty: env.StdoutIsTTY, color: env.StdoutIsTTY && env.Getenv("NO_COLOR") == "" && env.Getenv("TERM") != "dumb"}
	if t.tty {
		t.rows = append(t.rows, header)
	}
	return t
}

func (t *table) add(cols ...string) { t.rows = append(t.rows, cols) }

func (t *table) flush() error {
	if !t.tty {
		for _, r := range t.rows {
			if _, err := fmt.Fprintln(t.w, strings.Join(r, "\t")); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(t.w, 0, 4, 2, ' ', 0)
	for i, r := range t.rows {
		line := strings.Join(r, "\t")
		if i == 0 && t.color {
			line = "\x1b[1m" + line + "\x1b[0m"
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

func dayPtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return day(*t)
}

// sanitizeTerminal drops control characters (escape sequences) from values
// printed to a terminal, so a customer field cannot drive the terminal.
func sanitizeTerminal(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
}

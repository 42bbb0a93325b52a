package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shopvault/shopvault/vault/atomicfile"
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
	// Align first, then embolden the header: escape codes inside the
	// tabwriter would count as width and push the header out of line.
	var aligned bytes.Buffer
	tw := tabwriter.NewWriter(&aligned, 0, 4, 2, ' ', 0)
	for _, r := range t.rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	out := aligned.String()
	if t.color {
		header, rest, _ := strings.Cut(out, "\n")
		out = "\x1b[1m" + strings.TrimRight(header, " ") + "\x1b[0m\n" + rest
	}
	_, err := io.WriteString(t.w, out)
	return err
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

// createFile writes data to a new file (in a 0700 folder, atomically), and
// never overwrites: exists is the error when the file is already there.
// Nothing is left behind on failure.
func createFile(path string, data []byte, mode os.FileMode, exists *exitError) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	err := atomicfile.CreateNew(path, data, mode)
	if errors.Is(err, os.ErrExist) {
		return exists
	}
	return err
}

// writeNewSecretFile creates a 0600 key file; an existing one may be the
// only key to another vault, so it is never overwritten.
func writeNewSecretFile(path string, data []byte) error {
	return createFile(path, data, 0o600, &exitError{code: exitOther,
		msg:  path + " already exists; it may be the only key to another vault, so it is never overwritten",
		hint: "pass a new file name (--identity-out)"})
}

// identityFile is the text of an identity file: the public key as a
// comment (so a helper can send it to the owner), then the secret key.
func identityFile(identity, recipient string) []byte {
	return []byte(fmt.Sprintf("# shopvault owner identity, public key: %s\n%s\n", recipient, identity))
}

// countsByName turns counts keyed by a typed name (recipients by role) into
// the plain map export renders.
func countsByName[T ~string](counts map[T]int) map[string]int {
	out := make(map[string]int, len(counts))
	for k, n := range counts {
		out[string(k)] = n
	}
	return out
}

// joinNames lists typed names (roles, key groups) for a message.
func joinNames[T ~string](names []T, sep string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = string(n)
	}
	return strings.Join(parts, sep)
}

// stickyWriter is standard output as commands see it: it keeps the first
// write error, and every later write returns it. Commands print their
// lines without checking each one; run checks once at the end, so output
// lost to a full disk or a closed pipe is exit 1, not a silent success.
// (Standard error has nowhere to report its own failure: its writes are
// discarded, see .errcheck-excludes.)
type stickyWriter struct {
	w   io.Writer
	err error
}

func (s *stickyWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	s.err = err
	return n, err
}

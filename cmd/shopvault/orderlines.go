package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault"
)

// orderLine is one line of a batch (label -, ship -): an alias, then
// optionally an order reference, separated by a tab, a comma or spaces.
type orderLine struct {
	Line  int
	Alias string
	Ref   string
}

// parseOrderLine reads one batch line; ok is false for a blank line or a
// # comment. The alias is everything up to the first tab, comma or space
// (aliases are typed without spaces); the reference is the rest.
func parseOrderLine(text string) (alias, ref string, ok bool) {
	isSep := func(r rune) bool { return r == ',' || unicode.IsSpace(r) }
	text = strings.TrimSpace(strings.TrimPrefix(text, "\ufeff"))
	if strings.TrimLeftFunc(text, isSep) == "" || strings.HasPrefix(text, "#") {
		return "", "", false
	}
	i := strings.IndexFunc(text, isSep)
	if i < 0 {
		return text, "", true
	}
	rest := strings.TrimLeftFunc(text[i:], isSep)
	return text[:i], strings.TrimSpace(rest), true
}

// readOrderLines reads a whole batch from r; a batch of no lines is not an
// error here (an empty day for ship -), see errNoOrderLines.
func readOrderLines(r io.Reader) ([]orderLine, error) {
	var out []orderLine
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		if alias, ref, ok := parseOrderLine(sc.Text()); ok {
			out = append(out, orderLine{Line: n, Alias: alias, Ref: ref})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, &exitError{code: exitRefused, msg: fmt.Sprintf("reading stdin at line %d: %v", n+1, err), hint: "one alias and order number per line; nothing was done"}
	}
	return out, nil
}

// errNoOrderLines is for a batch that cannot be empty (label - has no
// file to write).
func errNoOrderLines() error {
	return usageErr("no aliases on stdin: give one alias per line, optionally followed by a tab, comma or space and the order number")
}

// batchLineError words one bad line for stderr. A line that is not an
// alias is not repeated: it may be a customer's name typed in by mistake.
func batchLineError(l orderLine, err error) *exitError {
	var nf *vault.NotFoundError
	if errors.As(err, &nf) && nf.Reason == vault.NotFoundMalformed {
		return &exitError{code: exitNotFound, line: l.Line, msg: fmt.Sprintf("line %d: not an alias (aliases look like K7QM-4TXR-Z, then a tab, comma or space and the order number)", l.Line)}
	}
	e := classify(err)
	return &exitError{code: e.code, line: l.Line, msg: fmt.Sprintf("line %d: %s", l.Line, e.msg), hint: e.hint}
}

// batchResult reports a batch's bad lines on stderr, one each, and returns
// the error that ends the command: exit 8 (partly done) when some lines
// were done, else the first bad line's code.
func batchResult(env *Env, bad []*exitError, total int, done string) error {
	if len(bad) == 0 {
		return nil
	}
	for _, b := range bad {
		fmt.Fprintf(env.ErrOut, "shopvault: %s\n", b.msg)
	}
	code := exitPartial
	if len(bad) == total {
		code = bad[0].code
	}
	return &exitError{code: code,
		msg:  fmt.Sprintf("%d of %s not done (named above); %s", len(bad), words.Count(total, "line"), done),
		hint: "fix those lines (compare each alias with the label, or look the customer up with shopvault find) and run just them again"}
}

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/shopvault/shopvault/vault"
)

// previewRows is how many rows import --dry-run shows as they would be stored.
const previewRows = 5

// unknownFormatError explains a header import does not recognise: the
// mapping it would have used and the --map that says so. Column names are
// printed only when the first line is a header, never a customer.
func unknownFormatError(file string, e *vault.UnknownFormatError) error {
	if e.HeaderLooksLikeData {
		return &exitError{code: exitRefused, msg: e.Error() + "; nothing was imported",
			hint: "add a first line naming the columns (name,email,phone,line1,line2,city,region,postcode,country,note), or pass --map with the column names"}
	}
	var used, ignored []string
	for _, c := range e.Guess {
		if c.Field != "" {
			used = append(used, fmt.Sprintf("%s→%s", c.Column, c.Field))
		} else {
			ignored = append(ignored, c.Column)
		}
	}
	msg := e.Error() + "; nothing was imported"
	if len(used) > 0 {
		msg += "; it would read " + strings.Join(used, ", ")
		if len(ignored) > 0 {
			msg += " and leave out " + strings.Join(ignored, ", ")
		}
	}
	hint := "name the columns with --map, e.g. shopvault import " + file + ` --map "Full Name=name,Mobile=phone,Town=city"`
	if m := e.GuessMap(); m != "" {
		hint = fmt.Sprintf("if that is right, run: shopvault import %s --map %q (check it first with --dry-run)", file, m)
	}
	return &exitError{code: exitRefused, msg: sanitizeTerminal(msg), hint: sanitizeTerminal(hint + "; --format names a known format (" + joinNames(vault.ImportFormats, ", ") + ")")}
}

// printImportSource prints the format, dialect and column mapping
// (import --dry-run).
func printImportSource(w io.Writer, src vault.ImportSource) {
	fmt.Fprintf(w, "format: %s (%s)\n", src.Format, src.Dialect)
	if len(src.Columns) == 0 {
		return
	}
	fmt.Fprintln(w, "columns:")
	for _, c := range src.Columns {
		field := c.Field
		if field == "" {
			field = "(not imported)"
		}
		fmt.Fprintf(w, "  %-28s → %s\n", sanitizeTerminal(c.Column), field)
	}
}

// printPreview prints rows as they would be stored; on a terminal the
// values are masked, since a screen is easily seen by others.
func printPreview(w io.Writer, rows []previewRow, mask bool) {
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(w, "first %d rows as they would be stored", len(rows))
	if mask {
		fmt.Fprint(w, " (masked on a terminal; pipe the output to see them whole)")
	}
	fmt.Fprintln(w, ":")
	for _, r := range rows {
		var parts []string
		for _, f := range vault.FieldNames {
			v, ok := r.fields[f]
			if !ok {
				continue
			}
			if mask {
				v = maskValue(f, v)
			}
			parts = append(parts, f+"="+sanitizeTerminal(v))
		}
		fmt.Fprintf(w, "  row %d: %s\n", r.line, strings.Join(parts, "  "))
	}
}

type previewRow struct {
	line   int
	fields map[string]string
}

// maskValue keeps enough of a value to check the columns went to the right
// fields: a word's first letter, a phone's country code and last two
// digits, an email's domain, the country.
func maskValue(field, v string) string {
	switch field {
	case "country":
		return v
	case "phone":
		if len(v) > 6 {
			return v[:4] + strings.Repeat("•", len(v)-6) + v[len(v)-2:]
		}
	case "email":
		if at := strings.LastIndexByte(v, '@'); at > 0 {
			return maskWord(v[:at]) + v[at:]
		}
	}
	words := strings.Fields(v)
	for i, w := range words {
		words[i] = maskWord(w)
	}
	return strings.Join(words, " ")
}

func maskWord(w string) string {
	r, size := utf8.DecodeRuneInString(w)
	return string(r) + strings.Repeat("•", utf8.RuneCountInString(w[size:]))
}

// importInput opens the file (or stdin) to import and, on a terminal, wraps
// it in a progress bar measured in bytes of the file: percentage, rate and
// time left.
func importInput(env *Env, name string) (src io.Reader, bar bool, closeSrc func(), err error) {
	if name == "-" {
		return env.In, false, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, false, nil, &exitError{code: exitOther, msg: "cannot open " + name, hint: "check the file name"}
	}
	st, err := f.Stat()
	if err != nil || !env.StderrIsTTY || !st.Mode().IsRegular() {
		return f, false, func() { _ = f.Close() }, nil // read only: nothing to lose
	}
	pb := newProgressBar(env, "importing")
	pb.unit = progressBytes
	// The bar is cleared when the file is read, as the vault's own
	// progress (or the result) is printed next.
	return &progressReader{r: f, bar: pb, total: int(st.Size())}, true, func() { pb.clear(); _ = f.Close() }, nil
}

// importErr turns the reader's refusal of a whole file into the message.
func importErr(file string, err error) error {
	var uf *vault.UnknownFormatError
	if errors.As(err, &uf) {
		return unknownFormatError(file, uf)
	}
	return err
}

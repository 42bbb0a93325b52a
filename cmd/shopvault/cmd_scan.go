package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault"
	"github.com/shopvault/shopvault/vault/sensitive"
)

func newScanCmd(env *Env, g *Global) *cobra.Command {
	var o scanOptions
	c := &cobra.Command{
		Use:   "scan FILE…",
		Short: "Find card numbers, bank details, IDs and passwords in files",
		Long: `Check files before import, or find what must be cleaned off a laptop: a
CSV (any dialect import reads), a vCard, or any text file such as a chat
export. Each value the vault would refuse is listed by file, row or line,
column or property, and category — never the value itself.

Needs no vault and no key, and writes nothing. Exit 0 when the files are
clean, 5 when something was found, 1 when a file could not be read (the
others are still scanned). "-" reads stdin.`,
		Example: `  shopvault scan customers.csv
  shopvault scan contacts.vcf "WhatsApp Chat with Ada.txt" --json
  shopvault scan --as text notes.md`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr("scan needs at least one FILE (or - for stdin)")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			return scanRun(env, g, &o, args)
		},
	}
	c.Flags().StringVar(&o.As, "as", "", "read every file as csv, vcard or text (default: by extension and content)")
	return c
}

// scanOptions are scan's flags.
type scanOptions struct {
	As string // read every file as this kind ("" decides per file)
}

// scanRun lists what the vault would refuse in each of files, never the
// value itself.
func scanRun(env *Env, g *Global, o *scanOptions, files []string) error {
	switch o.As {
	case "", vault.ScanCSV, vault.ScanVCard, vault.ScanText:
	default:
		return usageErr("--as must be csv, vcard or text")
	}
	findings := []vault.ScanFinding{}
	var unreadable []string
	for _, name := range files {
		err := scanOne(env, name, o.As, func(f vault.ScanFinding) error {
			findings = append(findings, f)
			if g.JSON {
				return nil
			}
			where := fmt.Sprintf("%s %d", f.Unit, f.Line)
			if f.Field != "" {
				where += fmt.Sprintf(", %q", f.Field)
			}
			_, err := fmt.Fprintf(env.Out, "%s: %s: %s (%s)\n", sanitizeTerminal(f.File), sanitizeTerminal(where), sensitive.Category(f.Category).Describe(), f.Category)
			return err
		})
		if err != nil {
			unreadable = append(unreadable, name)
			fmt.Fprintf(env.ErrOut, "shopvault: %s: %s\n", sanitizeTerminal(name), scanErrorText(err))
		}
	}
	if g.JSON {
		if err := printJSON(env.Out, findings); err != nil {
			return err
		}
	}
	switch {
	case len(unreadable) > 0:
		return &exitError{code: exitOther, msg: fmt.Sprintf("%d of %s could not be read", len(unreadable), words.Count(len(files), "file")),
			hint: "check the file names and that each is a CSV, vCard or text file; the others were scanned"}
	case len(findings) > 0:
		where := "each line above names the row or line and the column"
		if g.JSON {
			where = "each finding names its file, row or line and column"
		}
		return &exitError{code: exitRefused, msg: "found " + words.Count(len(findings), "value") + " shopvault would refuse",
			hint: "remove them from the files (or delete the files) before import; " + where}
	}
	if !g.JSON {
		fmt.Fprintf(env.ErrOut, "no card numbers, bank details, ID numbers or passwords found in %s\n", words.Count(len(files), "file"))
	}
	return nil
}

func scanOne(env *Env, name, kind string, found func(vault.ScanFinding) error) error {
	if name == "-" {
		return vault.Scan(env.In, "-", kind, found)
	}
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }() // read only: nothing to lose
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return errors.New("is a folder; name the files in it")
	}
	return vault.Scan(f, name, kind, found)
}

func scanErrorText(err error) string {
	var in *vault.InputError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	case errors.As(err, &in):
		return in.Reason
	}
	return err.Error()
}

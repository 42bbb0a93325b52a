package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/vault/atomicfile"
)

// outputTarget is a command's -o: a file, or "-" for standard output.
//
// An existing regular file is replaced only with --force or a yes typed on
// the terminal (a label written over the shop's customers.csv is a lost
// spreadsheet). A device or a pipe (/dev/stdout, a FIFO to a printer) is
// written into, never replaced; a link, socket or folder is refused (see
// vault/atomicfile).
type outputTarget struct {
	Path  string
	Force bool
	// flag names the option that gave Path in messages ("" is -o).
	flag string
}

func addOutputFlags(c *cobra.Command, o *outputTarget, def, help string) {
	c.Flags().StringVarP(&o.Path, "output", "o", def, help)
	c.Flags().BoolVar(&o.Force, "force", false, "replace the -o file if it exists")
}

func (o *outputTarget) flagName() string {
	if o.flag == "" {
		return "-o"
	}
	return o.flag
}

func (o *outputTarget) stdout() bool { return o.Path == "-" }

// claim checks, before any work is done (and any read is logged), that the
// output may be written: a new file, a device or pipe, or an existing
// regular file with --force or a yes typed on the terminal.
func (o *outputTarget) claim(env *Env) error {
	if o.stdout() {
		return nil
	}
	if err := checkOutputFolder(o.Path); err != nil {
		return err
	}
	if o.Force {
		return nil
	}
	st, err := os.Lstat(o.Path)
	if err != nil || !st.Mode().IsRegular() {
		return nil // new, a device or pipe, or refused by the writer
	}
	refused := &exitError{code: exitUsage, msg: o.Path + " already exists; shopvault does not replace a file unless told to",
		hint: "pass --force to replace it, or another " + o.flagName() + " name; nothing was written"}
	if !env.StdinIsTTY && !env.StderrIsTTY {
		return refused // nobody at a terminal to ask
	}
	ans, err := readLine(env, fmt.Sprintf("%s already exists. Replace it? [y/N] ", o.Path))
	if err != nil {
		return refused
	}
	if a := strings.ToLower(strings.TrimSpace(ans)); a != "y" && a != "yes" {
		return refused
	}
	o.Force = true
	return nil
}

// write puts data at the target: standard output, or the file, atomically.
func (o *outputTarget) write(env *Env, data []byte, mode os.FileMode) error {
	if err := o.claim(env); err != nil {
		return err
	}
	return writeOutput(env, o.Path, data, mode)
}

// where names the target in a confirmation line.
func (o *outputTarget) where() string {
	if o.stdout() {
		return "standard output"
	}
	return o.Path
}

// writeOutput writes data to stdout ("-") or atomically to a file (see
// atomicfile: readers never see a half-written file, and a link, socket or
// folder at path is refused rather than replaced).
func writeOutput(env *Env, path string, data []byte, mode os.FileMode) error {
	if path == "-" {
		_, err := env.Out.Write(data)
		return err
	}
	err := atomicfile.WriteFile(path, data, mode)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		// The writer's temp file is ours, not the user's: name their folder.
		if ferr := checkOutputFolder(path); ferr != nil {
			return ferr
		}
	}
	if err != nil && !errors.Is(err, atomicfile.ErrNotRegular) { // that one names the path already
		return fmt.Errorf("write %s: %w", path, err)
	}
	return err
}

// checkOutputFolder refuses an output path whose folder does not exist (or
// is not a folder), naming the folder the user gave rather than the temp
// file the writer would have made in it.
func checkOutputFolder(path string) error {
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case err == nil && st.IsDir():
		return nil
	case err == nil || errors.Is(err, syscall.ENOTDIR):
		return &exitError{code: exitUsage, msg: fmt.Sprintf("cannot write %s: %s is not a folder", path, dir),
			hint: "choose another path; nothing was written"}
	case errors.Is(err, fs.ErrNotExist):
		return &exitError{code: exitUsage, msg: fmt.Sprintf("cannot write %s: the folder %s does not exist", path, dir),
			hint: "create the folder (mkdir -p " + dir + ") or choose another path; nothing was written"}
	}
	return nil // let the writer report what else is wrong (permissions)
}

package atomicfile

import (
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// pending is the new file while it is written. Where the system allows
// (Linux, O_TMPFILE) it has no name until it is complete: a process
// killed while writing (Ctrl-C, kill -9, a power cut) then leaves nothing
// behind, which matters because what is written may be customer data
// (export --plaintext, labels, a decrypted backup). Elsewhere it is a
// dot-file removed on every error path.
type pending struct {
	f    *os.File
	name string // "" while the file has no name
}

// nameIt gives an unnamed file a fresh temp name in dir, so that it can be
// renamed over the target; a named file keeps its name.
func (p *pending) nameIt(dir string) error {
	if p.name != "" {
		return nil
	}
	for range 100 {
		name := filepath.Join(dir, tempPrefix+rand.Text())
		err := linkUnnamed(p.f, name)
		if err == nil {
			p.name = name
			return nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return err
		}
	}
	return &fs.PathError{Op: "name", Path: dir, Err: fs.ErrExist}
}

// discard closes the file and removes its name, if it has one: best
// effort, after an error that is the one to report.
func (p *pending) discard() {
	_ = p.f.Close()
	if p.name != "" {
		_ = os.Remove(p.name)
	}
}

// createNamed is the portable pending file: a dot-file in dir.
func createNamed(dir string) (*pending, error) {
	f, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return nil, err
	}
	return &pending{f: f, name: f.Name()}, nil
}

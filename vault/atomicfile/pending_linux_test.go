package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// While the content is written it has no name: a process killed then
// (Ctrl-C during export --plaintext) leaves no copy of it in the folder.
func TestUnnamedWhileWriting(t *testing.T) {
	dir := t.TempDir()
	if p, err := createPending(dir); err != nil || p.name != "" {
		if err == nil {
			p.discard()
		}
		t.Skip("this file system has no O_TMPFILE; the dot-file fallback is tested elsewhere")
	} else {
		p.discard()
	}
	target := filepath.Join(dir, "customers.csv")
	for _, tc := range []struct {
		name    string
		fillErr error
	}{{"completed", nil}, {"failed", errors.New("interrupted")}} {
		t.Run(tc.name, func(t *testing.T) {
			err := Write(target, 0o600, func(w io.Writer) error {
				if _, err := w.Write([]byte("Ada Obi,ada@example.ng\n")); err != nil {
					return err
				}
				entries, err := os.ReadDir(dir)
				if err != nil {
					return err
				}
				for _, e := range entries {
					if e.Name() != "customers.csv" {
						t.Errorf("while writing, the folder holds %s", e.Name())
					}
				}
				return tc.fillErr
			})
			if !errors.Is(err, tc.fillErr) {
				t.Fatalf("Write: %v", err)
			}
			entries, err := os.ReadDir(dir)
			must(t, err)
			for _, e := range entries {
				if e.Name() != "customers.csv" {
					t.Errorf("after writing, the folder holds %s", e.Name())
				}
			}
		})
	}
	data, err := os.ReadFile(target)
	if err != nil || string(data) != "Ada Obi,ada@example.ng\n" {
		t.Fatalf("the completed write: %q %v", data, err)
	}
}

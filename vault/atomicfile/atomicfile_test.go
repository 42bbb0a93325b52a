package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Issue 16: one writer for every file; a failed write leaves the old file
// and no temp file; non-regular targets are never replaced.
func TestWrite(t *testing.T) {
	fail := errors.New("fill failed")
	tests := []struct {
		name     string
		existing string // "" means no file before
		fill     func(io.Writer) error
		wantErr  error
		want     string
	}{
		{"new file", "", writeString("new"), nil, "new"},
		{"replaces a regular file", "old", writeString("new"), nil, "new"},
		{"failed fill keeps the old file", "old", func(w io.Writer) error { _, _ = w.Write([]byte("half")); return fail }, fail, "old"},
		{"failed fill makes no file", "", func(io.Writer) error { return fail }, fail, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out.txt")
			if tt.existing != "" {
				must(t, os.WriteFile(path, []byte(tt.existing), 0o600))
			}
			err := Write(path, 0o600, tt.fill)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Write error = %v, want %v", err, tt.wantErr)
			}
			got, rerr := os.ReadFile(path)
			if tt.want == "" {
				if !errors.Is(rerr, fs.ErrNotExist) {
					t.Fatalf("file exists after failed write: %q", got)
				}
			} else if string(got) != tt.want {
				t.Fatalf("content = %q, want %q", got, tt.want)
			}
			assertOnly(t, dir, tt.want != "")
		})
	}
}

func TestWriteFileMode(t *testing.T) {
	for _, perm := range []fs.FileMode{0o600, 0o644} {
		path := filepath.Join(t.TempDir(), "f")
		if err := WriteFile(path, []byte("x"), perm); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if runtime.GOOS != "windows" && st.Mode().Perm() != perm {
			t.Errorf("mode = %v, want %v", st.Mode().Perm(), perm)
		}
	}
}

func TestCreateNew(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "id.txt")
	if err := CreateNew(path, []byte("first"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CreateNew(path, []byte("second"), 0o600); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second CreateNew error = %v, want fs.ErrExist", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "first" {
		t.Fatalf("content = %q, want first", got)
	}
	assertOnly(t, dir, true)
}

func TestReplace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "v.db")
	tmp := path + ".compact-tmp"
	must(t, os.WriteFile(path, []byte("old"), 0o600))
	must(t, os.WriteFile(tmp, []byte("new"), 0o600))
	if err := Replace(tmp, path); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "new" {
		t.Fatalf("content = %q, want new", got)
	}
	assertOnly(t, dir, true)
	if err := Replace(filepath.Join(dir, "missing"), path); err == nil {
		t.Fatal("Replace from a missing file succeeded")
	}
	if got, _ := os.ReadFile(path); string(got) != "new" {
		t.Fatalf("failed Replace changed the target to %q", got)
	}
}

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

// assertOnly checks that no temp file is left: the folder holds exactly
// the target (or nothing).
func assertOnly(t *testing.T, dir string, target bool) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	must(t, err)
	want := 0
	if target {
		want = 1
	}
	if len(entries) != want {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("folder holds %v, want %d file(s)", names, want)
	}
}

// must fails the test on err: setup and tampering steps whose failure
// would leave a test passing without testing anything.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

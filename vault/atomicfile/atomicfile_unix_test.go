//go:build unix

package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Issue 16: a symlink, socket or folder is refused; a device or FIFO is
// written into; none is ever replaced.
func TestWriteNonRegular(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	must(t, os.WriteFile(target, []byte("keep"), 0o600))
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { must(t, l.Close()) }()
	sub := filepath.Join(dir, "sub")
	must(t, os.Mkdir(sub, 0o700))

	for _, path := range []string{link, sock, sub} {
		if err := WriteFile(path, []byte("new"), 0o600); !errors.Is(err, ErrNotRegular) {
			t.Errorf("WriteFile(%s) error = %v, want ErrNotRegular", filepath.Base(path), err)
		}
		if err := Replace(target, path); !errors.Is(err, ErrNotRegular) {
			t.Errorf("Replace over %s error = %v, want ErrNotRegular", filepath.Base(path), err)
		}
	}
	if got, _ := os.ReadFile(target); string(got) != "keep" {
		t.Fatalf("symlink target changed to %q", got)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("symlink replaced: %v %v", st, err)
	}

	// A device or FIFO, or a link to one, is written into, not replaced.
	if err := WriteFile(os.DevNull, []byte("into the void"), 0o600); err != nil {
		t.Fatalf("WriteFile(/dev/null) = %v", err)
	}
	devLink := filepath.Join(dir, "null-link")
	if err := os.Symlink(os.DevNull, devLink); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(devLink, []byte("through the link"), 0o600); err != nil {
		t.Fatalf("WriteFile(link to /dev/null) = %v", err)
	}
	if st, err := os.Lstat(devLink); err != nil || st.Mode()&fs.ModeSymlink == 0 {
		t.Fatal("the link to /dev/null was replaced")
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	got := make(chan []byte)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- nil
			return
		}
		b, _ := io.ReadAll(f)
		must(t, f.Close())
		got <- b
	}()
	if err := WriteFile(fifo, []byte("piped"), 0o600); err != nil {
		t.Fatalf("WriteFile(fifo) = %v", err)
	}
	if b := <-got; string(b) != "piped" {
		t.Fatalf("fifo reader got %q", b)
	}
	if st, _ := os.Lstat(fifo); st.Mode()&fs.ModeNamedPipe == 0 {
		t.Fatal("fifo replaced by a regular file")
	}
}

// Issue 17 item 10: a file shared through a group (mode 0660, the shop's
// group) stays shared when it is replaced.
func TestReplaceKeepsModeAndGroup(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vault.db")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o660); err != nil {
		t.Fatal(err)
	}
	gid := os.Getgid()
	if os.Geteuid() == 0 {
		gid = 4321 // root may give any group
		if err := os.Chown(path, -1, gid); err != nil {
			t.Fatal(err)
		}
	}
	tmp := filepath.Join(dir, "vault.db.tmp")
	if err := os.WriteFile(tmp, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Replace(tmp, path); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o660 {
		t.Errorf("mode %o after Replace, want 660", st.Mode().Perm())
	}
	if g := st.Sys().(*syscall.Stat_t).Gid; int(g) != gid {
		t.Errorf("group %d after Replace, want %d", g, gid)
	}
	if data, _ := os.ReadFile(path); string(data) != "new" {
		t.Errorf("content %q", data)
	}
}

// CreateNewFrom never follows or replaces what is at path: a file, a link
// to a file or a dangling link all make it fs.ErrExist and stay as they
// were; a failed fill leaves nothing. copyExclusive, its fallback on file
// systems without hard links, behaves the same.
func TestCreateNewFrom(t *testing.T) {
	fail := errors.New("fill failed")
	for _, viaCopy := range []bool{false, true} {
		for _, tt := range []struct {
			name    string
			before  func(t *testing.T, dir, path string) // plants what is at path
			fill    func(io.Writer) error
			wantErr error
		}{
			{"new", func(*testing.T, string, string) {}, writeString("copy"), nil},
			{"a file there", func(t *testing.T, _, path string) { mustWrite(t, path, "keep") }, writeString("copy"), fs.ErrExist},
			{"a link to a file", func(t *testing.T, dir, path string) {
				mustWrite(t, filepath.Join(dir, "target"), "keep")
				mustSymlink(t, "target", path)
			}, writeString("copy"), fs.ErrExist},
			{"a dangling link", func(t *testing.T, _, path string) { mustSymlink(t, "nowhere", path) }, writeString("copy"), fs.ErrExist},
			{"failed fill", func(*testing.T, string, string) {}, func(w io.Writer) error { _, _ = w.Write([]byte("half")); return fail }, fail},
		} {
			t.Run(fmt.Sprintf("%s/copy=%v", tt.name, viaCopy), func(t *testing.T) {
				dir := t.TempDir()
				path := filepath.Join(dir, "v.db.before-restore")
				tt.before(t, dir, path)
				before := snapshot(t, dir)
				var err error
				if viaCopy {
					tmp := filepath.Join(dir, "finished")
					mustWrite(t, tmp, "")
					if err = Write(tmp, 0o600, tt.fill); err == nil {
						err = copyExclusive(tmp, path, 0o600)
					}
					if rerr := os.Remove(tmp); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
						t.Fatal(rerr)
					}
				} else {
					err = CreateNewFrom(path, 0o600, tt.fill)
				}
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error = %v, want %v", err, tt.wantErr)
				}
				after := snapshot(t, dir)
				if tt.wantErr != nil {
					if fmt.Sprint(after) != fmt.Sprint(before) {
						t.Fatalf("the folder changed:\nbefore %v\nafter  %v", before, after)
					}
					return
				}
				if after["v.db.before-restore"] != "file 600 copy" || len(after) != 1 {
					t.Fatalf("folder after = %v, want only the new copy", after)
				}
			})
		}
	}
}

// WriteFileUnsynced replaces a regular file like WriteFile and refuses a
// link the same way.
func TestWriteFileUnsynced(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "witness")
	for _, content := range []string{"first", "second"} {
		if err := WriteFileUnsynced(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if got := snapshot(t, dir); got["witness"] != "file 600 "+content || len(got) != 1 {
			t.Fatalf("folder = %v", got)
		}
	}
	mustWrite(t, filepath.Join(dir, "target"), "keep")
	link := filepath.Join(dir, "link")
	mustSymlink(t, "target", link)
	if err := WriteFileUnsynced(link, []byte("x"), 0o600); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("through a link: %v, want ErrNotRegular", err)
	}
}

// snapshot describes every entry of dir: its kind, mode and content (or
// link target).
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		st, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			if err != nil {
				t.Fatal(err)
			}
			out[e.Name()] = "link " + target
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = fmt.Sprintf("file %o %s", st.Mode().Perm(), data)
	}
	return out
}

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

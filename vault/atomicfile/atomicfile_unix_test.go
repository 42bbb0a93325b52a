//go:build unix

package atomicfile

import (
	"errors"
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
	os.WriteFile(target, []byte("keep"), 0o600)
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o700)

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
		f.Close()
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

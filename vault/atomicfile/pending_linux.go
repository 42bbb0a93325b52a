package atomicfile

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// createPending opens an unnamed file in dir (O_TMPFILE), or a dot-file
// where the file system cannot (older kernels, some network and FUSE file
// systems).
func createPending(dir string) (*pending, error) {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return createNamed(dir)
	}
	return &pending{f: os.NewFile(uintptr(fd), dir)}, nil
}

// linkUnnamed gives the O_TMPFILE file f the name path, through
// /proc/self/fd (linkat with AT_EMPTY_PATH needs a privilege). An existing
// path is fs.ErrExist.
func linkUnnamed(f *os.File, path string) error {
	err := unix.Linkat(unix.AT_FDCWD, "/proc/self/fd/"+strconv.Itoa(int(f.Fd())), unix.AT_FDCWD, path, unix.AT_SYMLINK_FOLLOW)
	if err != nil {
		return &os.LinkError{Op: "link", Old: f.Name(), New: path, Err: err}
	}
	return nil
}

//go:build unix

package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// isSyncUnsupported reports the errors some file systems (and macOS for
// folders) give for fsync of a folder.
func isSyncUnsupported(err error) bool {
	return errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP)
}

// keepAccess gives tmp the permissions and group of old, the file it is
// about to replace.
func keepAccess(tmp string, old fs.FileInfo) error {
	if err := os.Chmod(tmp, old.Mode().Perm()); err != nil {
		return err
	}
	want, ok := old.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	st, err := os.Stat(tmp)
	if err != nil {
		return err
	}
	if have, ok := st.Sys().(*syscall.Stat_t); ok && have.Gid != want.Gid {
		return os.Chown(tmp, -1, int(want.Gid))
	}
	return nil
}

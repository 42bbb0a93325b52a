// Package atomicfile writes files so that a reader (or a crash) sees either
// the old content or the new, never a half-written file: a temp file in the
// same folder, fsync of the file, rename over the target, fsync of the
// folder. It is the one writer shopvault uses for every file it makes.
//
// Only regular files are ever replaced. A target that is a character device
// or a FIFO (/dev/null, a pipe from process substitution), or a symlink to
// one (/dev/stdout), is written into directly, since renaming over it would
// destroy it; any other symlink, a socket or a folder is refused with
// ErrNotRegular, so a planted link never redirects a write and never gets
// replaced.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrNotRegular is returned when the target exists and is neither a
// regular file nor something that may be written into (device, FIFO).
var ErrNotRegular = errors.New("not a regular file")

// tempPattern marks our temp files; the leading dot keeps them out of
// plain listings while they exist.
const tempPattern = ".shopvault-tmp-*"

// WriteFile writes data to path atomically with the given permissions.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Write calls fill with a writer and puts what it wrote at path
// atomically. If fill fails, path is unchanged and the temp file removed.
func Write(path string, perm fs.FileMode, fill func(io.Writer) error) error {
	direct, err := checkTarget(path)
	if err != nil {
		return err
	}
	if direct {
		return writeInto(path, fill)
	}
	f, err := os.CreateTemp(filepath.Dir(path), tempPattern)
	if err != nil {
		return err
	}
	tmp := f.Name()
	if err := finish(f, perm, fill); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// finish fills, syncs and closes the temp file f.
func finish(f *os.File, perm fs.FileMode, fill func(io.Writer) error) error {
	err := f.Chmod(perm)
	if err == nil {
		err = fill(f)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// CreateNew writes data to path atomically, but only if path does not
// exist yet: the error is then fs.ErrExist and nothing changes. Made for
// key files, which may be the only copy of a key and are never replaced.
func CreateNew(path string, data []byte, perm fs.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), tempPattern)
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := finish(f, perm, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		return err
	}
	// A hard link, unlike rename, refuses an existing target, so the new
	// name appears complete or not at all and an existing file stays.
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		if _, serr := os.Lstat(path); serr == nil {
			return &fs.PathError{Op: "create", Path: path, Err: fs.ErrExist}
		}
		// A file system without hard links: exclusive create instead.
		return createExclusive(path, data, perm)
	}
	return SyncDir(filepath.Dir(path))
}

func createExclusive(path string, data []byte, perm fs.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if err := finish(f, perm, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		os.Remove(path)
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// Replace moves tmp, a finished file the caller built itself (a bbolt
// database opens by path, so it cannot use Write), over path: fsync of
// tmp, rename, fsync of the folder. tmp must be in path's folder. On error
// path is unchanged; tmp is left for the caller to remove.
//
// The new file keeps the replaced one's permissions and group: a vault
// shared with a helper's account through a group (README, step 5) stays
// shared after shopvault rewrites it (compact, purge, rotate, restore).
func Replace(tmp, path string) error {
	if st, err := os.Lstat(path); err == nil {
		if !st.Mode().IsRegular() {
			return &fs.PathError{Op: "replace", Path: path, Err: ErrNotRegular}
		}
		if err := keepAccess(tmp, st); err != nil {
			return err
		}
	}
	if err := SyncFile(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// SyncFile flushes a closed file's content to disk.
func SyncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// SyncDir flushes a folder's entries (a rename) to disk. Some file systems
// cannot sync a folder; that is not an error, as nothing more can be done.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, errors.ErrUnsupported) && !isSyncUnsupported(err) {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	return nil
}

// checkTarget says whether path is written into directly (device, FIFO)
// instead of replaced, and refuses targets that are neither.
func checkTarget(path string) (direct bool, err error) {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if st.Mode()&fs.ModeSymlink != 0 {
		// A link to a device or pipe (/dev/stdout) is written through; a
		// link to anything else is refused, so it never redirects a write.
		if target, err := os.Stat(path); err == nil && writesInto(target.Mode()) {
			return true, nil
		}
		return false, &fs.PathError{Op: "write", Path: path, Err: ErrNotRegular}
	}
	switch m := st.Mode(); {
	case m.IsRegular():
		return false, nil
	case writesInto(m):
		return true, nil
	default:
		return false, &fs.PathError{Op: "write", Path: path, Err: ErrNotRegular}
	}
}

// writesInto tells whether a file of mode m is written into rather than
// replaced: a character device or a FIFO.
func writesInto(m fs.FileMode) bool {
	return m&fs.ModeCharDevice != 0 || m&fs.ModeNamedPipe != 0
}

func writeInto(path string, fill func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	err = fill(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

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

// tempPrefix marks our temp files; the leading dot keeps them out of
// plain listings while they exist.
const tempPrefix = ".shopvault-tmp-"

// WriteFile writes data to path atomically with the given permissions.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	return Write(path, perm, writeData(data))
}

// WriteFileUnsynced is WriteFile without either fsync. A crash may then
// leave the old content (never a half-written file): only for a small file
// rewritten by every command, whose older copy is harmless and whose fsync
// would cost more than the command (the rollback witness).
func WriteFileUnsynced(path string, data []byte, perm fs.FileMode) error {
	return write(path, perm, writeData(data), false)
}

// Write calls fill with a writer and puts what it wrote at path
// atomically. If fill fails, path is unchanged and the temp file removed.
func Write(path string, perm fs.FileMode, fill func(io.Writer) error) error {
	return write(path, perm, fill, true)
}

func write(path string, perm fs.FileMode, fill func(io.Writer) error, durable bool) error {
	direct, err := checkTarget(path)
	if err != nil {
		return err
	}
	if direct {
		return writeInto(path, fill)
	}
	dir := filepath.Dir(path)
	p, err := createPending(dir)
	if err != nil {
		return err
	}
	if err := fillAndSync(p.f, perm, fill, durable); err != nil {
		p.discard()
		return err
	}
	if err := p.nameIt(dir); err != nil {
		p.discard()
		return err
	}
	if err := p.f.Close(); err != nil {
		_ = os.Remove(p.name) // best effort: the close's error is the one to report
		return err
	}
	if err := os.Rename(p.name, path); err != nil {
		_ = os.Remove(p.name) // best effort: the rename's error is the one to report
		return err
	}
	if !durable {
		return nil
	}
	return SyncDir(filepath.Dir(path))
}

func writeData(data []byte) func(io.Writer) error {
	return func(w io.Writer) error { _, err := w.Write(data); return err }
}

// finish fills, syncs (when durable) and closes the new file f.
func finish(f *os.File, perm fs.FileMode, fill func(io.Writer) error, durable bool) error {
	err := fillAndSync(f, perm, fill, durable)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// fillAndSync sets the new file's permissions, fills it and syncs it
// (when durable); the file stays open.
func fillAndSync(f *os.File, perm fs.FileMode, fill func(io.Writer) error, durable bool) error {
	err := f.Chmod(perm)
	if err == nil {
		err = fill(f)
	}
	if err == nil && durable {
		err = f.Sync()
	}
	return err
}

// CreateNew writes data to path atomically, but only if path does not
// exist yet: the error is then fs.ErrExist and nothing changes. Made for
// key files, which may be the only copy of a key and are never replaced.
func CreateNew(path string, data []byte, perm fs.FileMode) error {
	return CreateNewFrom(path, perm, writeData(data))
}

// CreateNewFrom is CreateNew with the content written by fill, for a copy
// too large to hold in memory. Whatever is at path, a symbolic link
// (dangling or not) included, makes it fs.ErrExist: it never follows a
// link or replaces anything (restore's .before-restore copy relies on it).
func CreateNewFrom(path string, perm fs.FileMode, fill func(io.Writer) error) error {
	dir := filepath.Dir(path)
	p, err := createPending(dir)
	if err != nil {
		return err
	}
	if err := fillAndSync(p.f, perm, fill, true); err != nil {
		p.discard()
		return err
	}
	if err := p.nameIt(dir); err != nil {
		p.discard()
		return err
	}
	tmp := p.name
	// Once linked, path is the file and tmp only its second name; before,
	// tmp is an unfinished copy. Either way it goes, and a failure to
	// remove it leaves a dot-file, not a wrong result.
	defer func() { _ = os.Remove(tmp) }()
	if err := p.f.Close(); err != nil {
		return err
	}
	// A hard link, unlike rename, refuses an existing target (a link at
	// path is not followed), so the new name appears complete or not at
	// all and an existing file stays.
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		if _, serr := os.Lstat(path); serr == nil {
			return &fs.PathError{Op: "create", Path: path, Err: fs.ErrExist}
		}
		// A file system without hard links: exclusive create instead.
		return copyExclusive(tmp, path, perm)
	}
	return SyncDir(filepath.Dir(path))
}

// copyExclusive copies the finished file tmp to a new file at path.
// O_CREATE|O_EXCL fails on anything at path, a symbolic link included.
func copyExclusive(tmp, path string, perm fs.FileMode) error {
	src, err := os.Open(tmp)
	if err != nil {
		return err
	}
	defer func() { _ = src.Close() }() // read only: nothing to lose
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if err := finish(f, perm, func(w io.Writer) error { _, err := io.Copy(w, src); return err }, true); err != nil {
		_ = os.Remove(path) // our own half-written file; the copy's error is the one to report
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// Replace moves tmp, a finished file the caller built itself (a bbolt
// database opens by path, so it cannot use Write), over path: fsync of
// tmp, rename, fsync of the folder. tmp must be on path's file system (in
// its folder, or a private folder in it). On error path is unchanged; tmp
// is left for the caller to remove.
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
	defer func() { _ = d.Close() }() // read only: nothing to lose
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

//go:build !unix

package atomicfile

import (
	"io/fs"
	"os"
)

// isSyncUnsupported: folders cannot be synced on this platform.
func isSyncUnsupported(error) bool { return true }

// keepAccess gives tmp the permissions of old, the file it replaces.
func keepAccess(tmp string, old fs.FileInfo) error { return os.Chmod(tmp, old.Mode().Perm()) }

//go:build unix

package atomicfile

import (
	"errors"
	"syscall"
)

// isSyncUnsupported reports the errors some file systems (and macOS for
// folders) give for fsync of a folder.
func isSyncUnsupported(err error) bool {
	return errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP)
}

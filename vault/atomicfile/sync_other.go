//go:build !unix

package atomicfile

// isSyncUnsupported: folders cannot be synced on this platform.
func isSyncUnsupported(error) bool { return true }

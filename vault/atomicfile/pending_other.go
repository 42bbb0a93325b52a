//go:build !linux

package atomicfile

import (
	"errors"
	"os"
)

func createPending(dir string) (*pending, error) { return createNamed(dir) }

// linkUnnamed is never called where every pending file is named.
func linkUnnamed(*os.File, string) error { return errors.ErrUnsupported }

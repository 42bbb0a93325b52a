// Package gensource writes the Go files the project's generators make
// (word lists, phone metadata, country names): gofmt'd, so a regenerated
// file diffs cleanly against the committed one.
package gensource

import (
	"fmt"
	"go/format"
	"os"
)

// Write formats src as Go and writes it to path.
func Write(path string, src []byte) error {
	formatted, err := format.Source(src)
	if err != nil {
		return fmt.Errorf("generated %s is not valid Go: %w", path, err)
	}
	return os.WriteFile(path, formatted, 0o644)
}

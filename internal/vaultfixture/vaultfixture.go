// Package vaultfixture reads the vaults that earlier binaries wrote, kept
// under vault/testdata gzip-compressed (vault/testdata/README.md), for the
// upgrade tests of vault and cmd. Only tests import it.
package vaultfixture

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
)

// Read is the vault file stored gzip-compressed at path (a v.db.gz).
func Read(path string) ([]byte, error) {
	compressed, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(compressed))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := zr.Close(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, nil
}

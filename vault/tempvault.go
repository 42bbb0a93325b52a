package vault

import (
	"fmt"
	"os"
	"path/filepath"
)

// tempVault is a vault file being built beside the vault (init, compact,
// restore) before it is moved into place. bbolt opens its file by path and
// follows a symbolic link there, so the file lives in a fresh folder that
// only this process's user can enter (0700, made by os.MkdirTemp with a
// random name): no one else can plant a link at its path between the
// moment it is chosen and the open.
type tempVault struct {
	dir  string
	path string // the vault file inside dir
}

// tempVaultName is the start of a temp folder's name for vault path and
// purpose ("init", "compact", "restore").
func tempVaultName(vaultPath, purpose string) string {
	return filepath.Base(vaultPath) + "." + purpose + "-tmp"
}

// newTempVault makes the private folder for purpose beside vaultPath. The
// caller holds the vault's lock (or the vault does not exist yet), so the
// folders an interrupted run of the same purpose left behind are removed
// first: they hold sealed data only, never plaintext.
func newTempVault(vaultPath, purpose string) (*tempVault, error) {
	removeStaleTempVaults(vaultPath, purpose)
	dir, err := os.MkdirTemp(filepath.Dir(vaultPath), tempVaultName(vaultPath, purpose)+"-")
	if err != nil {
		return nil, fmt.Errorf("make a private folder beside the vault: %w", err)
	}
	return &tempVault{dir: dir, path: filepath.Join(dir, "vault.db")}, nil
}

// remove deletes the folder with whatever is left in it (nothing once the
// file was moved into place). Best effort: the next run of the same
// purpose removes a folder left behind.
func (t *tempVault) remove() {
	if t != nil {
		_ = os.RemoveAll(t.dir)
	}
}

// removeStaleTempVaults removes what a killed run left: its folders, and
// the single temp file (PATH.compact-tmp) an earlier version used.
// os.RemoveAll removes a link found there and never follows it.
func removeStaleTempVaults(vaultPath, purpose string) {
	base := filepath.Join(filepath.Dir(vaultPath), tempVaultName(vaultPath, purpose))
	stale, _ := filepath.Glob(globEscape(base) + "-*")
	for _, name := range append(stale, base) {
		_ = os.RemoveAll(name)
	}
}

// globEscape makes path match itself in filepath.Glob.
func globEscape(path string) string {
	out := make([]rune, 0, len(path))
	for _, r := range path {
		switch r {
		case '*', '?', '[', '\\':
			out = append(out, '\\')
		}
		out = append(out, r)
	}
	return string(out)
}

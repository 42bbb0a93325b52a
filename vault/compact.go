package vault

import (
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/vault/atomicfile"
)

// CompactResult reports the file size before and after.
type CompactResult struct {
	Before int64 `json:"before_bytes"`
	After  int64 `json:"after_bytes"`
}

// Compact rewrites the vault into a fresh file and atomically replaces the
// old one (mode 0600 kept), so deleted ciphertext does not linger in bbolt's
// free pages. The lock file stays held throughout, so no other process can
// open the old file in between.
func (v *Vault) Compact() error {
	_, err := v.CompactReport()
	return err
}

// CompactReport is Compact returning the sizes.
func (v *Vault) CompactReport() (CompactResult, error) {
	var res CompactResult
	if st, err := os.Stat(v.path); err == nil {
		res.Before = st.Size()
	}
	tv, err := newTempVault(v.path, "compact")
	if err != nil {
		return res, fmt.Errorf("compact (the vault is unchanged): %w", err)
	}
	defer tv.remove()
	tmp := tv.path
	// Mapped at the old file's size from the start: each time bbolt grows
	// its map it first copies every page the copying transaction holds
	// (64 MB of them) to the heap, and doubling from 32 KB did that a
	// dozen times (12% of a rotation's time at 100k).
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{InitialMmapSize: int(res.Before)})
	if err != nil {
		return res, fmt.Errorf("compact: %w", err)
	}
	// abandon closes the unfinished copy (removed with its folder): the
	// error that stopped the compaction is the one to report.
	abandon := func(err error) (CompactResult, error) {
		if dst != nil {
			_ = dst.Close()
		}
		return res, fmt.Errorf("compact (the vault is unchanged): %w", err)
	}
	if err := bolt.Compact(dst, v.db, 64<<20); err != nil {
		return abandon(err)
	}
	// bbolt grows a file in steps (up to 16 MB past its data); the
	// compacted file keeps only its pages. Pages past the high-water mark
	// are never read, and bbolt grows the file again when it needs to.
	var used int64
	if err := dst.View(func(tx *bolt.Tx) error { used = tx.Size(); return nil }); err != nil {
		return abandon(err)
	}
	err = dst.Close()
	dst = nil
	if err != nil {
		return abandon(err)
	}
	if err := os.Truncate(tmp, used); err != nil {
		return abandon(err)
	}
	if err := v.db.Close(); err != nil {
		return abandon(err)
	}
	v.db = nil
	if err := atomicfile.Replace(tmp, v.path); err != nil {
		_, err = abandon(err)
		return res, v.reopen(err)
	}
	if st, err := os.Stat(v.path); err == nil {
		res.After = st.Size()
	}
	return res, v.reopen(nil)
}

func (v *Vault) reopen(prev error) error {
	db, err := bolt.Open(v.path, 0o600, &bolt.Options{Timeout: v.opts.LockWait})
	if err != nil {
		return fmt.Errorf("reopen vault: %w", err)
	}
	v.db = db
	return prev
}

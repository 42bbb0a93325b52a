package vault

import (
	"encoding/binary"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// Reading vaults written by format 1 (docs/format.md, "Format 1"). Nothing
// here is needed for a vault created as format 2; it is kept in one place
// so it can be dropped whole once no format-1 vault is left. The JSON
// values are decoded by decodeMeta and decodeAlias, sealed records 0x02 by
// crypto.ParseRecord.

// legacyTokenSize is the blind-index token length of format 1.
const legacyTokenSize = 16

// tokenPrefix is the comparable part of a stored hex token: a format-1
// token is longer, and its first crypto.TokenSize bytes are the token
// format 2 computes for the same value.
func tokenPrefix(tokHex string) string {
	if len(tokHex) > 2*crypto.TokenSize {
		return tokHex[:2*crypto.TokenSize]
	}
	return tokHex
}

// mLegacyIndex lists (uint32 BE each) the index key versions a format-1
// vault had when it was upgraded: their buckets may hold 16-byte tokens.
var mLegacyIndex = []byte("legacy_index")

func legacyIndexVersion(tx *bolt.Tx, ver uint32) bool {
	list := tx.Bucket(bMeta).Get(mLegacyIndex)
	for len(list) >= 4 {
		if binary.BigEndian.Uint32(list) == ver {
			return true
		}
		list = list[4:]
	}
	return false
}

// flattenKeys moves format 1's per-version key buckets to flat names.
func flattenKeys(tx *bolt.Tx) error {
	for _, g := range AllGroups {
		gb := tx.Bucket(bKeys).Bucket([]byte(g))
		if gb == nil {
			continue
		}
		var versions [][]byte
		_ = gb.ForEachBucket(func(name []byte) error { // the callback never fails
			versions = append(versions, append([]byte{}, name...))
			return nil
		})
		for _, name := range versions {
			ver, ok := parseVersionBucketName(name)
			if !ok {
				continue
			}
			err := gb.Bucket(name).ForEach(func(rid, blob []byte) error {
				return gb.Put(wrappedKeyName(ver, string(rid)), append([]byte{}, blob...))
			})
			if err != nil {
				return err
			}
			if err := gb.DeleteBucket(name); err != nil {
				return err
			}
		}
	}
	return nil
}

// nestedKeys tells whether the keyring still has format 1's layout.
func nestedKeys(tx *bolt.Tx) bool {
	nested := false
	for _, g := range AllGroups {
		if gb := tx.Bucket(bKeys).Bucket([]byte(g)); gb != nil {
			_ = gb.ForEachBucket(func([]byte) error { nested = true; return nil }) // never fails
		}
	}
	return nested
}

// flattenKeyring converts a format-1 keyring at the first writable open
// (no key needed: wrapped copies are moved, not opened).
func (v *Vault) flattenKeyring() error {
	var nested bool
	if err := v.view(func(tx *bolt.Tx) error { nested = nestedKeys(tx); return nil }); err != nil || !nested {
		return err
	}
	return v.update(flattenKeys)
}

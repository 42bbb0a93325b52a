package vault

import (
	"encoding/hex"

	bolt "go.etcd.io/bbolt"
)

// bindMeta records in h the meta entries no other signature covers and
// nothing else would notice changed: the vault's creation date and the
// newest record id. Neither decides anything, but deleting or changing
// one from outside moved the file's pages (its size, which inventory
// shows) with nothing to tell; now it is exit 7 at open.
func (h *headBody) bindMeta(tx *bolt.Tx) {
	m := tx.Bucket(bMeta)
	h.Created = string(m.Get(mCreated))
	h.LastID = hex.EncodeToString(m.Get(mLastID))
	rotation := ""
	if r := m.Get(mRotation); r != nil {
		rotation = sha256Hex(r)
	}
	h.Rotation = &rotation
	h.Format = string(m.Get(mFormat))
}

// checkBoundMeta compares meta/created and meta/last_id with the head's
// (heads before format 4 carry neither, and last_id is missing until the
// first id is minted: nothing to compare).
func checkBoundMeta(tx *bolt.Tx, h *headBody) error {
	m := tx.Bucket(bMeta)
	if (h.Created != "" && h.Created != string(m.Get(mCreated))) || (h.LastID != "" && h.LastID != hex.EncodeToString(m.Get(mLastID))) {
		return &IntegrityError{What: "the vault's creation date or newest record id (meta/created, meta/last_id) is not the one the signed state head saw: it was changed from outside"}
	}
	if h.Rotation != nil {
		rotation := ""
		if r := m.Get(mRotation); r != nil {
			rotation = sha256Hex(r)
		}
		if rotation != *h.Rotation {
			return &IntegrityError{What: "the key rotation marker (meta/rotation) is not the one the signed state head saw: it was added, deleted or changed from outside; an owner's rotate cannot trust it, restore from a backup"}
		}
	}
	return nil
}

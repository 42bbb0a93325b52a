package vault

import (
	"encoding/hex"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// households speeds up the phone-and-name duplicate rule during an import.
// A phone shared by many customers (a household, a shop's switchboard, or
// a test number in synthetic data) would otherwise make every row with it
// check each of them; the first such row reads their name tokens from
// their metadata once, and later rows with the phone compare against that.
type households struct {
	version uint32
	phones  map[[crypto.TokenSize]byte]map[string]recordID // phone token -> name token (hex) -> a record
}

// lookup finds a record with the row's phone and name; known is false when
// the phone has not been seen with several records yet.
func (h *households) lookup(pre *sealedRecord) (*recordID, bool) {
	if h == nil {
		return nil, false
	}
	names := h.names(pre)
	if names == nil {
		return nil, false
	}
	id, ok := names[hex.EncodeToString(pre.token(kindName))]
	if !ok {
		return nil, true
	}
	return &id, true
}

func (h *households) names(pre *sealedRecord) map[string]recordID {
	if h.phones == nil || pre == nil || pre.indexVersion != h.version || pre.token(kindPhone) == nil || pre.token(kindName) == nil {
		return nil
	}
	return h.phones[[crypto.TokenSize]byte(pre.token(kindPhone))]
}

// fill records the name tokens of the records sharing the row's phone,
// read from their metadata.
func (h *households) fill(tx *bolt.Tx, pre *sealedRecord, byPhone map[recordID]bool) error {
	if h == nil || pre == nil || pre.token(kindPhone) == nil || pre.token(kindName) == nil {
		return nil
	}
	if h.phones == nil {
		h.phones, h.version = map[[crypto.TokenSize]byte]map[string]recordID{}, pre.indexVersion
	}
	if pre.indexVersion != h.version {
		return nil
	}
	names := map[string]recordID{}
	for id := range byPhone {
		m, err := loadMeta(tx, id)
		if err != nil {
			return err
		}
		if m != nil && m.IndexVersion == h.version && m.Index["name"] != "" {
			names[tokenPrefix(m.Index["name"])] = id
		}
	}
	h.phones[[crypto.TokenSize]byte(pre.token(kindPhone))] = names
	return nil
}

// added notes a new record under its phone when that phone is tracked.
func (h *households) added(pre *sealedRecord, id recordID) {
	if h == nil {
		return
	}
	if names := h.names(pre); names != nil {
		names[hex.EncodeToString(pre.token(kindName))] = id
	}
}

package vault

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// findCriterion is one normalised value a find matches on.
type findCriterion struct {
	kind byte
	val  string
}

// errFound stops a scan at its first match.
var errFound = errors.New("found")

// confirmMiss runs when a find matched nothing, before it answers "not
// found". Every record's metadata lists its index tokens, so a record whose
// metadata holds the token of every criterion (under the index version it
// names) is one the index should have led to: its entry was deleted from
// outside, and the answer would wrongly be that the shop holds nothing.
// The scan reads every record's metadata but opens nothing, and only a
// miss pays it.
func (v *Vault) confirmMiss(tx *bolt.Tx, crits []findCriterion) error {
	type want struct {
		pos int // in indexKinds
		tok []byte
	}
	wants := map[uint32][]want{}
	for _, ver := range keyVersions(tx, GroupIndex) {
		ix, err := v.keys.indexer(tx, ver)
		if err != nil {
			return err
		}
		for _, c := range crits {
			wants[ver] = append(wants[ver], want{bytes.IndexByte(indexKinds, c.kind), ix.Token(kindNames[c.kind], c.val)})
		}
	}
	var missing []string
	err := tx.Bucket(bRecords).ForEach(func(k, data []byte) error {
		t, ok := readMetaTokens(data)
		if !ok {
			var id recordID
			copy(id[:], k)
			return &IntegrityError{What: fmt.Sprintf("record %s metadata does not decode", id)}
		}
		ws := wants[t.version]
		if len(ws) == 0 {
			return nil
		}
		for _, w := range ws {
			// A format-1 index version's tokens are longer and start
			// with today's.
			if tok := t.tokens[w.pos]; tok == nil || !bytes.HasPrefix(tok, w.tok) {
				return nil
			}
		}
		for _, w := range ws {
			missing = append(missing, kindNames[indexKinds[w.pos]])
		}
		return errFound
	})
	switch {
	case errors.Is(err, errFound):
		return &IntegrityError{What: fmt.Sprintf("a customer's record holds the %s searched for, but the index has no entry leading to it: an index entry was deleted from outside", strings.Join(missing, " and "))}
	case err != nil:
		return err
	}
	return nil
}

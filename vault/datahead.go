package vault

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// dataRoles may change customer records and tombstones; the newest head
// one of them signed is kept as meta/data_head (docs/format.md, "State
// head"), and a shipping person's head must carry its sums for them.
var dataRoles = map[Role]bool{RoleOwner: true, RoleSupport: true}

// protectedBuckets are the tagged buckets only dataRoles may change
// (a shipping person may change records' last shipment dates, checked
// by verifyShipped, and add shipments, checked by verifyShippedParcels).
var protectedBuckets = []string{"records", "tombstones", "aliases"}

// decodeHead opens a signed head without deciding whom to trust.
func decodeHead(data []byte) ([]byte, *headBody, error) {
	signer, body, err := crypto.OpenSigned(crypto.DomainHead, data)
	if err != nil {
		return nil, nil, err
	}
	var h headBody
	if err := json.Unmarshal(body, &h); err != nil {
		return nil, nil, err
	}
	return signer, &h, nil
}

// protectedDiff names what h's sums differ in from the data head d's, as
// far as it can be told without the state key: the tombstones, the
// aliases, the number of records, and fewer shipments ("" when they
// agree). verifyShipped does the rest.
func protectedDiff(h, d *headBody) string {
	switch {
	case h.Buckets == nil && d.Buckets == nil:
		return ""
	case h.Buckets == nil || d.Buckets == nil || h.Buckets.State != d.Buckets.State:
		return "entry sums under another state key"
	case h.Buckets.Buckets["tombstones"] != d.Buckets.Buckets["tombstones"]:
		return "the tombstones bucket"
	case h.Buckets.Buckets["aliases"] != d.Buckets.Buckets["aliases"]:
		return "the aliases bucket"
	case h.Buckets.Buckets["shipments"].Count < d.Buckets.Buckets["shipments"].Count:
		return "the number of shipments"
	case h.Buckets.Buckets["records"].Count != d.Buckets.Buckets["records"].Count:
		return "the number of records"
	}
	return ""
}

// keepDataSums makes a shipping person's head h carry the data head's
// tombstones and records, except the last shipment dates of the records
// it lists in Shipped. Shipping code writes nothing else there; if the
// file differs, it was changed from outside, and this writer refuses to
// sign it. After keyless writes (cron's purge) since the data head, the
// sums cannot be compared: h carries the data head's, and the next owner
// or support write re-sums them.
func keepDataSums(tx *bolt.Tx, h, prev *headBody, tags *txTags) error {
	data := tx.Bucket(bMeta).Get(mDataHead)
	if data == nil {
		// A format-3 vault from before data heads: the first owner or
		// support write makes one.
		return nil
	}
	_, d, err := decodeHead(data)
	if err != nil {
		return &IntegrityError{What: "the data head (meta/data_head) does not decode"}
	}
	h.DataHead, h.ProtectedSeq = sha256Hex(data), d.PersonSeq
	if keylessSince(tx, d) {
		if h.Buckets != nil && d.Buckets != nil && h.Buckets.State == d.Buckets.State {
			sums := maps.Clone(h.Buckets.Buckets)
			for _, b := range protectedBuckets {
				sums[b] = d.Buckets.Buckets[b]
			}
			h.Buckets = &bucketSums{State: h.Buckets.State, Buckets: sums}
		}
		if what := protectedDiff(h, d); what != "" {
			return refuseShippingHead(what)
		}
		return nil
	}
	if prev != nil && prev.DataHead == h.DataHead {
		h.Shipped = slices.Clone(prev.Shipped)
	}
	var tg *tagger
	if tags != nil {
		tg = tags.tagger
		listed := map[string]bool{}
		for _, e := range h.Shipped {
			listed[e.ID] = true
		}
		for _, id := range slices.Sorted(maps.Keys(tags.changed)) {
			if hid := hex.EncodeToString([]byte(id)); !listed[hid] {
				h.Shipped = append(h.Shipped, shippedRecord{ID: hid, Old: hex.EncodeToString(metadataPart(tags.changed[id]))})
			}
		}
	}
	if what := protectedDiff(h, d); what != "" {
		return refuseShippingHead(what)
	}
	if h.Buckets == nil {
		return nil
	}
	if tg == nil {
		return refuseShippingHead("entry sums it cannot compute")
	}
	if err := verifyShipped(tx, tg, h, d); err != nil {
		return refuseShippingHead("a customer record")
	}
	return nil
}

// verifyShippingHead is, for an owner or support person about to build on
// shipping head h, what check verifies of it (verifyShipped): their head
// signs h's sums as their own and becomes the data head, so a change a
// shipping person signed beyond last shipment dates would be laundered.
// Each shipping head lists every record changed since the data head, so
// checking the newest covers the chain, and only the listed records are
// tagged again (no scan). The open compared the tombstones and the record
// count with the data head (verifyDataHead).
func (v *Vault) verifyShippingHead(tx *bolt.Tx, tg *tagger, h *headBody) error {
	if h.Role != RoleShipping || !dataRoles[v.keys.actor.Role] {
		return nil
	}
	data := tx.Bucket(bMeta).Get(mDataHead)
	if data == nil {
		// verifyDataHead refused that at open.
		return &IntegrityError{What: "the data head (meta/data_head) is missing under a state head signed by a shipping person: it was deleted from outside"}
	}
	_, d, err := decodeHead(data)
	if err != nil {
		return &IntegrityError{What: "the data head (meta/data_head) does not decode"}
	}
	if what := protectedDiff(h, d); what != "" {
		return refuseShippingHead(what)
	}
	if err := verifyShipped(tx, tg, h, d); err != nil {
		var ie *IntegrityError
		if errors.As(err, &ie) {
			return &IntegrityError{What: ie.What + "; nothing was written: an owner's check names what, restore from a backup made before it"}
		}
		return err
	}
	return nil
}

func refuseShippingHead(what string) error {
	return &IntegrityError{What: fmt.Sprintf("%s differs from what an owner or support person last signed (meta/data_head), and a shipping person may not sign it: customer records or erasures were changed from outside; an owner's check says what", what)}
}

// metadataPart is a record value without its sealed part.
func metadataPart(value []byte) []byte {
	m, err := decodeMeta(value)
	if err != nil || m.sealedApart {
		return value
	}
	return value[:len(value)-len(m.sealed)]
}

// verifyShipped checks, with the state key, that the records of shipping
// head h are the data head d's but for the records h lists, and that each
// of those differs from the metadata h lists for it in its last shipment
// date only, which did not go back.
func verifyShipped(tx *bolt.Tx, tg *tagger, h, d *headBody) error {
	if h.Buckets == nil || d.Buckets == nil {
		return nil
	}
	moved, err := verifyShippedRecords(tx, tg, h, d)
	if err != nil {
		return err
	}
	return verifyShippedParcels(tx, tg, h, d, moved)
}

// verifyShippedRecords is verifyShipped's records half, which needs no
// key in format 5 (the records' elements are public): keyless purge runs
// it before it starts from a shipping head (recordsum.go). It gives the
// last shipment dates the head moved, by hex record id.
func verifyShippedRecords(tx *bolt.Tx, tg *tagger, h, d *headBody) (map[string]time.Time, error) {
	want := d.Buckets.Buckets["records"]
	seen := map[string]bool{}
	moved := map[string]time.Time{}
	rb := tx.Bucket(bRecords)
	for _, e := range h.Shipped {
		id, err1 := hex.DecodeString(e.ID)
		old, err2 := hex.DecodeString(e.Old)
		if err1 != nil || err2 != nil || seen[e.ID] || len(old) == 0 {
			return nil, &IntegrityError{What: "the shipped records listed by the state head do not decode"}
		}
		seen[e.ID] = true
		cur := rb.Get(id)
		if cur == nil {
			return nil, &IntegrityError{What: "a record a shipping person shipped to is missing"}
		}
		if !onlyShipmentDate(old, cur) {
			return nil, &IntegrityError{What: "a record a shipping person shipped to changed in more than its last shipment date"}
		}
		if at := movedShipmentDate(old, cur); at != nil {
			moved[e.ID] = *at
		}
		var oldHash [32]byte
		if old[0] == '{' {
			oldHash = recordHash(old, len(old))
		} else {
			hs := sha256.Sum256(cur[len(metadataPart(cur)):])
			hm := sha256.Sum256(old)
			oldHash = sha256.Sum256(append(hm[:], hs[:]...))
		}
		want.sub(tg.tagHash("records", id, oldHash))
		want.add(tg.tag("records", id, cur))
	}
	if want != h.Buckets.Buckets["records"] {
		return nil, &IntegrityError{What: fmt.Sprintf("the state head signed by shipping person %q changes customer records beyond the last shipment dates of those it shipped to, which only an owner or support person may sign: records were changed from outside", h.Signer)}
	}
	return moved, nil
}

// movedShipmentDate is cur's last shipment date when it differs from
// old's (both decode: onlyShipmentDate said so).
func movedShipmentDate(old, cur []byte) *time.Time {
	mo, err1 := decodeMeta(old)
	mc, err2 := decodeMeta(cur)
	if err1 != nil || err2 != nil || mc.LastShipment == nil || (mo.LastShipment != nil && mo.LastShipment.Equal(*mc.LastShipment)) {
		return nil
	}
	return mc.LastShipment
}

// verifyShippedParcels checks that shipping head h's shipments are the
// data head d's plus new ones only: ids are minted in increasing order
// and d binds the newest (last_id), so the shipments added since d are
// those keyed after it, and the sum must be d's plus theirs (an earlier
// shipment changed or deleted does not add up). None is dated after h's
// time plus the day ship allows, and every last shipment date moved
// since d (moved, by hex record id) is the date of one of them.
func verifyShippedParcels(tx *bolt.Tx, tg *tagger, h, d *headBody, moved map[string]time.Time) error {
	var last uint64
	if d.LastID != "" {
		b, err := hex.DecodeString(d.LastID)
		if err != nil || len(b) != 8 {
			return &IntegrityError{What: "the data head's newest id (last_id) does not decode"}
		}
		last = beUint64(b)
	}
	want := d.Buckets.Buckets["shipments"]
	limit := h.Time.Add(shipFutureTolerance)
	backed := map[string]bool{}
	c := tx.Bucket(bShipments).Cursor()
	for k, val := c.Seek(beBytes(last + 1)); k != nil; k, val = c.Next() {
		want.add(tg.tag("shipments", k, val))
		var s shipment
		if err := json.Unmarshal(val, &s); err != nil {
			return &IntegrityError{What: fmt.Sprintf("shipment %x does not decode", k)}
		}
		if s.Date.After(limit) {
			return &IntegrityError{What: fmt.Sprintf("a shipment recorded under shipping person %q's state head is dated after that head's time: it was back- or forward-dated from outside", h.Signer)}
		}
		if at, ok := moved[s.Record]; ok && s.Date.Equal(at) {
			backed[s.Record] = true
		}
	}
	if want != h.Buckets.Buckets["shipments"] {
		return &IntegrityError{What: fmt.Sprintf("the state head signed by shipping person %q changes or deletes shipments the data head (meta/data_head) holds, where a shipping person may only add them: shipments were changed from outside", h.Signer)}
	}
	for id := range moved {
		if !backed[id] {
			return &IntegrityError{What: fmt.Sprintf("the state head signed by shipping person %q moves a customer's last shipment date with no shipment of that date recorded since the data head (meta/data_head): it was changed from outside", h.Signer)}
		}
	}
	return nil
}

// onlyShipmentDate tells whether record metadata old and the record value
// cur differ in nothing but a last shipment date that did not go back.
func onlyShipmentDate(old, cur []byte) bool {
	mo, err1 := decodeMeta(old)
	mc, err2 := decodeMeta(cur)
	if err1 != nil || err2 != nil {
		return false
	}
	if mo.LastShipment != nil && (mc.LastShipment == nil || mc.LastShipment.Before(*mo.LastShipment)) {
		return false
	}
	norm := func(m *recordMeta) []byte {
		c := *m
		c.LastShipment, c.sealed, c.sealedHash, c.sealedApart = nil, nil, nil, false
		return encodeMeta(&c)
	}
	return bytes.Equal(norm(mo), norm(mc))
}

// verifyDataHead checks meta/data_head against the verified policy and the
// verified head h: signed by an owner or support person the policy lists,
// no newer than h, named by h when h is a shipping or purge head, and
// holding a shipping head's records and tombstones sums.
func verifyDataHead(tx *bolt.Tx, vaultID []byte, p *verifiedPolicy, h *headBody) error {
	m := tx.Bucket(bMeta)
	data := m.Get(mDataHead)
	if dataRoles[h.Role] {
		// Every head an owner or support person signs is also written as
		// the data head (signHead), so it is never missing either.
		if data == nil || !bytes.Equal(data, m.Get(mHead)) {
			return &IntegrityError{What: "the data head (meta/data_head) is not the state head its owner or support signer wrote last: it was deleted, put back or replaced from outside"}
		}
		return nil
	}
	if data == nil {
		if h.DataHead != "" {
			return &IntegrityError{What: "the data head (meta/data_head) that the signed state head names is missing: it was deleted from outside"}
		}
		// Every format-3 vault has one: init and the format-2 upgrade sign
		// an owner's head first, and every owner or support head writes it.
		// (Format 3 was never released without it, so no vault predates it.)
		return &IntegrityError{What: "the data head (meta/data_head) is missing under a state head signed by a shipping person or the purge key: it was deleted from outside"}
	}
	if h.DataHead != sha256Hex(data) {
		return &IntegrityError{What: "the data head (meta/data_head) is not the one the signed state head names: it was put back or replaced from outside"}
	}
	signer, d, err := decodeHead(data)
	if err != nil {
		return &IntegrityError{What: "the data head's (meta/data_head) signature does not verify"}
	}
	r := p.recipient(d.Signer)
	switch {
	case d.VaultID != hex.EncodeToString(vaultID):
		return &IntegrityError{What: "the data head (meta/data_head) belongs to another vault"}
	case r == nil || !dataRoles[r.Role] || r.Role != d.Role || r.SigningKey != hex.EncodeToString(signer):
		return &IntegrityError{What: "the data head (meta/data_head) is not signed by an owner or support person of the vault's policy"}
	case d.Policy.Version > p.body.Version || d.Counter > h.Counter:
		return &IntegrityError{What: "the data head (meta/data_head) is newer than the signed state head"}
	}
	if h.Role == RoleShipping && h.Stmts == nil {
		// (With statements waiting, it carries their base's sums, and
		// check and the next owner or support write verify the chain.)
		if what := protectedDiff(h, d); what != "" {
			return &IntegrityError{What: fmt.Sprintf("the state head signed by shipping person %q changes %s, which only an owner or support person may sign: customer records or erasures were changed from outside", signerLabel(p, h.Signer), what)}
		}
	}
	return nil
}

func signerLabel(p *verifiedPolicy, id string) string {
	if r := p.recipient(id); r != nil {
		return r.Label
	}
	return id
}

package vault

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// ShipRequest is one parcel of a batch: the alias on its label and its
// order reference ("" when it has none).
type ShipRequest struct {
	Alias string
	Ref   string
}

// ShipProblem is a request that was not recorded: its index in the
// requests and why (a *NotFoundError, or an *InputError in a
// ShipRefusedError).
type ShipProblem struct {
	Index int
	Err   error
}

// ShipRefusedError refuses a whole batch before anything is written: the
// requests it lists are not valid input (a ref that holds a card number or
// a customer's phone). It unwraps to the first one's *InputError.
type ShipRefusedError struct {
	Problems []ShipProblem
}

func (e *ShipRefusedError) Error() string {
	return fmt.Sprintf("%d order references refused, nothing was recorded: %v", len(e.Problems), e.Problems[0].Err)
}

func (e *ShipRefusedError) Unwrap() error { return e.Problems[0].Err }

// errNothingShipped rolls back a batch that recorded no parcel (each was
// recorded before, or named no customer): it writes nothing, not even a
// head or an access-log entry.
var errNothingShipped = errors.New("nothing shipped")

// ShipBatch is Ship for a day's parcels of one courier, in one
// transaction: one signed head and one access-log entry naming every alias
// shipped to, so its cost does not grow with the batch's commits. Every
// ref is checked first; one that is not valid input refuses the whole
// batch (*ShipRefusedError, nothing written). A request whose alias names
// no customer (unknown, mistyped, revoked, expired, erased) is returned as
// a problem and the others are recorded; anything else (no role, no key,
// tampering) fails the whole batch. The shipments returned are the
// requests' that are not problems, in order; a parcel recorded before, or
// earlier in the same batch, is returned with AlreadyRecorded set.
func (v *Vault) ShipBatch(reqs []ShipRequest, courier string, date time.Time) ([]Shipment, []ShipProblem, error) {
	if err := checkCustomerMetadata("courier", courier); err != nil {
		return nil, nil, err
	}
	var refused []ShipProblem
	for i, r := range reqs {
		if err := checkCustomerMetadata("ref", r.Ref); err != nil {
			refused = append(refused, ShipProblem{Index: i, Err: err})
		}
	}
	if len(refused) > 0 {
		return nil, nil, &ShipRefusedError{Problems: refused}
	}
	return v.ship(reqs, courier, date, false)
}

// ship records reqs, whose metadata the caller checked. When strict, an
// alias that names no customer fails the call.
func (v *Vault) ship(reqs []ShipRequest, courier string, date time.Time, strict bool) ([]Shipment, []ShipProblem, error) {
	var out []Shipment
	var problems []ShipProblem
	err := v.update(func(tx *bolt.Tx) error {
		out, problems = nil, nil
		if err := v.requireActor(tx, "record shipments", ShipRoles...); err != nil {
			return err
		}
		now := v.now()
		if date.IsZero() {
			date = now
		}
		if date.After(now.Add(shipFutureTolerance)) {
			return &InputError{Field: "date", Reason: "is in the future"}
		}
		var recorded map[parcel]Shipment // read on the first request with a ref
		var aliases []string
		for i, r := range reqs {
			id, m, canon, err := v.resolve(tx, r.Alias)
			var nf *NotFoundError
			if errors.As(err, &nf) && !strict {
				problems = append(problems, ShipProblem{Index: i, Err: err})
				continue
			}
			if err != nil {
				return err
			}
			p := parcel{alias: canon, ref: r.Ref}
			if r.Ref != "" {
				if recorded == nil {
					if recorded, err = recordedParcels(tx, courier); err != nil {
						return err
					}
				}
				if earlier, ok := recorded[p]; ok {
					out = append(out, earlier)
					continue
				}
			}
			sid, err := v.ids.next(now)
			if err != nil {
				return err
			}
			s := shipment{Record: id.String(), Alias: canon, Date: date.UTC(), Courier: courier, Ref: r.Ref, Created: now}
			if err := v.putTaggedJSON(tx, "shipments", sid[:], s); err != nil {
				return err
			}
			if m.LastShipment == nil || date.After(*m.LastShipment) {
				d := date.UTC()
				m.LastShipment = &d
			}
			if err := v.putMeta(tx, id, m); err != nil {
				return err
			}
			sh := Shipment{ID: sid.String(), Alias: crypto.FormatAlias(canon), Date: s.Date, Courier: courier, Ref: r.Ref}
			out = append(out, sh)
			if r.Ref != "" {
				sh.AlreadyRecorded = true
				recorded[p] = sh
			}
			aliases = append(aliases, canon)
		}
		if len(aliases) == 0 {
			return errNothingShipped
		}
		return v.appendAudit(tx, AuditEntry{Action: "ship", Aliases: aliases, Count: len(aliases), Detail: courier})
	})
	if err != nil && !errors.Is(err, errNothingShipped) {
		return nil, nil, err
	}
	return out, problems, nil
}

// parcel is what makes a shipment the same order for one courier: the
// alias it went to and its order ref.
type parcel struct{ alias, ref string }

// recordedParcels reads, in one pass over the shipments, those of courier
// that have a ref: what a batch is checked against, so that a batch costs
// one scan of the bucket, not one per line. The earliest of duplicates
// recorded by older versions is the one a repeat is reported against.
func recordedParcels(tx *bolt.Tx, courier string) (map[parcel]Shipment, error) {
	out := map[parcel]Shipment{}
	err := tx.Bucket(bShipments).ForEach(func(k, data []byte) error {
		var s shipment
		if err := json.Unmarshal(data, &s); err != nil {
			return &IntegrityError{What: fmt.Sprintf("shipment %x does not decode", k)}
		}
		p := parcel{alias: s.Alias, ref: s.Ref}
		if s.Courier != courier || s.Ref == "" {
			return nil
		}
		if _, ok := out[p]; !ok {
			out[p] = Shipment{ID: fmt.Sprintf("%x", k), Alias: crypto.FormatAlias(s.Alias), Date: s.Date, Courier: s.Courier, Ref: s.Ref, AlreadyRecorded: true}
		}
		return nil
	})
	return out, err
}

package vault

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// Shipment is one recorded parcel.
type Shipment struct {
	ID      string    `json:"id"`
	Alias   string    `json:"alias"`
	Date    time.Time `json:"date"`
	Courier string    `json:"courier,omitempty"`
	Ref     string    `json:"ref,omitempty"`
	Erased  bool      `json:"erased,omitempty"`
	// AlreadyRecorded says Ship found this parcel recorded before and
	// wrote nothing: the shipment shown is the earlier one.
	AlreadyRecorded bool `json:"already_recorded,omitempty"`
	// Location and Address are filled by Manifest from sealed fields.
	Location map[string]string `json:"-"`
}

// shipFutureTolerance is how far after now a shipment may be dated (a
// parcel handed over across midnight in another time zone); a shipping
// head's shipments are held to the same (verifyShippedParcels).
const shipFutureTolerance = 24 * time.Hour

// Ship records a shipment (metadata only), in the name of a current
// recipient of one of ShipRoles. date may be in the past for
// back-entry; it updates last_shipment but not last_activity, so recording
// an old parcel never makes a customer look recently active.
//
// Ship is idempotent per order, so a cron job may run a batch again after
// a partial failure: a parcel with the same alias, courier and order ref is
// not recorded twice; the earlier shipment is returned with AlreadyRecorded
// set. Without a ref nothing tells two parcels apart: each is recorded.
// It is ShipBatch for one parcel, except that an alias naming no customer
// is the error.
func (v *Vault) Ship(alias, courier, ref string, date time.Time) (Shipment, error) {
	if err := checkCustomerMetadata("courier", courier, "ref", ref); err != nil {
		return Shipment{}, err
	}
	out, _, err := v.ship([]ShipRequest{{Alias: alias, Ref: ref}}, courier, date, true)
	if err != nil {
		return Shipment{}, err
	}
	return out[0], nil
}

// ManifestQuery selects shipments for a courier manifest.
type ManifestQuery struct {
	Courier     string
	Since       time.Time
	WithAddress bool
}

// manifestLocation is the general location a courier list may carry.
var manifestLocation = []string{"city", "region", "postcode", "country"}

// manifestAddress adds the street lines and name for --with-address; never
// email or notes.
var manifestAddress = []string{"name", "line1", "line2", "city", "region", "postcode", "country"}

// Manifest lists shipments with a general location (city, region, postcode
// area, country), or the delivery address when asked. It needs the shipping
// key and is recorded.
func (v *Vault) Manifest(q ManifestQuery) ([]Shipment, error) {
	var out []Shipment
	err := v.update(func(tx *bolt.Tx) error {
		if err := v.need(tx, GroupShipping); err != nil {
			return err
		}
		var aliases []string
		err := tx.Bucket(bShipments).ForEach(func(k, data []byte) error {
			var s shipment
			if err := json.Unmarshal(data, &s); err != nil {
				return &IntegrityError{What: fmt.Sprintf("shipment %x does not decode", k)}
			}
			// Folded: "GIG" finds shipments recorded as "gig".
			if q.Courier != "" && !strings.EqualFold(s.Courier, q.Courier) {
				return nil
			}
			if !q.Since.IsZero() && s.Date.Before(q.Since) {
				return nil
			}
			sh := Shipment{ID: fmt.Sprintf("%x", k), Alias: crypto.FormatAlias(s.Alias), Date: s.Date, Courier: s.Courier, Ref: s.Ref, Erased: s.Record == ""}
			if s.Record != "" {
				id, err := parseRecordID(s.Record)
				if err != nil {
					return &IntegrityError{What: "shipment points to a malformed record"}
				}
				m, err := loadMeta(tx, id)
				if err != nil {
					return err
				}
				if m != nil {
					want := manifestLocation
					if q.WithAddress {
						want = manifestAddress
					}
					vals, err := v.readFields(tx, id, m, want)
					if err != nil {
						return err
					}
					if pc, ok := vals["postcode"]; ok && !q.WithAddress {
						vals["postcode"] = PostcodeArea(pc)
					}
					sh.Location = vals
					aliases = append(aliases, s.Alias)
				} else {
					sh.Erased = true
				}
			}
			out = append(out, sh)
			return nil
		})
		if err != nil {
			return err
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
		detail := "general location"
		if q.WithAddress {
			detail = "with address"
		}
		return v.appendAudit(tx, AuditEntry{Action: "manifest", Aliases: aliases, Count: len(out), Detail: detail})
	})
	return out, err
}

// PostcodeArea keeps the part of a postcode that names an area, not a
// street: the outward code of a UK postcode ("SW1A 1AA" → "SW1A"), else the
// first three characters ("101233" → "101").
func PostcodeArea(pc string) string {
	for i, r := range pc {
		if r == ' ' {
			return pc[:i]
		}
	}
	r := []rune(pc)
	if len(r) > 3 {
		return string(r[:3])
	}
	return pc
}

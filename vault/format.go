package vault

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	bolt "go.etcd.io/bbolt"
	"io"
	"time"
)

// FormatVersion is written at init and checked at every open; a vault with
// another version is refused rather than misread. docs/format.md describes it.
const FormatVersion = "5"

// format4 keyed every entry tag under the state key, so that only a person
// could recount the sums: an owner's first writable open upgrades it to
// format 5, whose records sum anyone can recount (upgradeSums).
const format4 = "4"

// format3 is the first authenticated format, whose state head sums 16-byte
// entry tags mod 2^128: it opens and is verified as it is, and an owner's
// first writable open upgrades it to format 5 (upgradeSums).
const format3 = "3"

// signedFormat tells whether a vault of format f has a signed policy and
// state head (formats 3 to 5).
func signedFormat(f string) bool { return f == FormatVersion || f == format4 || f == format3 }

// format2 is the format a format-1 vault is marked with at its first write
// when no owner has upgraded it to format 3 yet.
const format2 = "2"

// formatReadable is the older format this version still opens: format 1
// kept record metadata and alias entries as JSON, which decodeMeta and
// decodeAlias still read; the first write marks the vault format 2.
const formatReadable = "1"

// Top-level buckets (docs/format.md has the full tree).
var (
	bMeta       = []byte("meta")       // format, settings, audit head, rotation progress
	bKeys       = []byte("keys")       // group -> current, v<N> -> recipient id -> wrapped key
	bRecipients = []byte("recipients") // recipient id -> recipientInfo JSON
	bRecords    = []byte("records")    // record id -> plaintext metadata + sealed record
	bFields     = []byte("fields")     // format 1 only: record id -> sealed record (moved into records on write)
	bIndex      = []byte("index")      // v<N> -> kind || token || record id -> empty
	bAliases    = []byte("aliases")    // canonical alias -> aliasEntry JSON
	bRecAliases = []byte("recaliases") // record id || canonical alias -> empty
	bShipments  = []byte("shipments")  // shipment id -> shipment JSON
	bTombstones = []byte("tombstones") // record id -> tombstone JSON
	bAudit      = []byte("audit")      // seq (uint64 BE) -> audit entry JSON
)

var allBuckets = [][]byte{bMeta, bKeys, bRecipients, bRecords, bFields, bIndex, bAliases, bRecAliases, bShipments, bTombstones, bAudit}

// Meta keys.
var (
	mFormat       = []byte("format")
	mVaultID      = []byte("vault_id")
	mCreated      = []byte("created")
	mPassIdentity = []byte("passphrase_identity")
	mSettings     = []byte("settings")
	mAuditHead    = []byte("audit_head")
	mRotation     = []byte("rotation")
	mLastPurge    = []byte("last_purge")
	mLastID       = []byte("last_id")
	mHead         = []byte("head")
	mDataHead     = []byte("data_head")  // the newest head an owner or support person signed (format 3)
	mPurgeKey     = []byte("purge_key")  // hex public key of the purge signing key (format 3)
	mRulesHash    = []byte("rules_hash") // hex SHA-256 of the retention rules an owner approved (format 3)
)

// idLen: 8 bytes of creation time in nanoseconds (so ids arrive nearly sorted
// and bbolt appends instead of splitting pages) + 4 random bytes (so two
// vaults restored from one backup never mint the same id for new records).
const idLen = 12

// recordID is the internal, never-shown-to-couriers id of a customer.
type recordID [idLen]byte

func (id recordID) String() string { return hex.EncodeToString(id[:]) }

func parseRecordID(s string) (recordID, error) {
	var id recordID
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != idLen {
		return id, fmt.Errorf("bad record id %q", s)
	}
	copy(id[:], b)
	return id, nil
}

// idMinter hands out strictly increasing ids within a vault.
type idMinter struct {
	last uint64
	rand io.Reader
}

// observe accounts for an id minted elsewhere (import's preparing
// goroutine has its own minter) so later ids stay above it.
func (m *idMinter) observe(id recordID) {
	if t := binary.BigEndian.Uint64(id[:8]); t > m.last {
		m.last = t
	}
}

func (m *idMinter) next(now time.Time) (recordID, error) {
	var id recordID
	t := uint64(now.UnixNano())
	if t <= m.last {
		t = m.last + 1
	}
	m.last = t
	binary.BigEndian.PutUint64(id[:8], t)
	if _, err := io.ReadFull(m.rand, id[8:]); err != nil {
		return id, err
	}
	return id, nil
}

// FieldNames in display order.
var FieldNames = []string{"name", "email", "phone", "line1", "line2", "city", "region", "postcode", "country", "note"}

// FieldGroup is the key group sealing each field.
var FieldGroup = map[string]Group{
	"name": GroupShipping, "phone": GroupShipping, "line1": GroupShipping, "line2": GroupShipping,
	"city": GroupShipping, "region": GroupShipping, "postcode": GroupShipping, "country": GroupShipping,
	"email": GroupContact, "note": GroupNotes,
}

// fieldCode numbers fields inside a sealed record (1..10, FieldNames order).
var fieldCode = func() map[string]byte {
	m := map[string]byte{}
	for i, f := range FieldNames {
		m[f] = byte(i + 1)
	}
	return m
}()

// groupCode marks a group inside a sealed record.
var groupCode = map[Group]byte{GroupShipping: 's', GroupContact: 'c', GroupNotes: 'n'}

// IsField tells whether name is a customer field.
func IsField(name string) bool { _, ok := FieldGroup[name]; return ok }

// Consent is one consent purpose's state.
type Consent struct {
	Granted bool      `json:"granted"`
	At      time.Time `json:"at"`
}

// Hold exempts a record from retention rules until a date.
type Hold struct {
	Until  time.Time `json:"until"`
	Reason string    `json:"reason,omitempty"`
}

// recordMeta is the plaintext metadata of one customer: no field values,
// only what keyless purge, list and inventory need.
type recordMeta struct {
	Alias            string             `json:"alias"`
	Created          time.Time          `json:"created"`
	Updated          time.Time          `json:"updated"`
	LastActivity     time.Time          `json:"last_activity"`
	LastShipment     *time.Time         `json:"last_shipment,omitempty"`
	Fields           []string           `json:"fields"`
	Consent          map[string]Consent `json:"consent,omitempty"`
	ConsentWithdrawn *time.Time         `json:"consent_withdrawn,omitempty"`
	ErasureRequested *time.Time         `json:"erasure_requested,omitempty"`
	Hold             *Hold              `json:"hold,omitempty"`
	// IndexVersion and Index hold the blind index tokens of this record so
	// keyless purge can delete its index entries without any key.
	IndexVersion uint32            `json:"index_version,omitempty"`
	Index        map[string]string `json:"index,omitempty"`

	// sealed is the record's sealed value (crypto.EncodeRecord), stored
	// after the metadata in the same bbolt value; nil when no field is
	// left. It aliases the transaction's memory.
	sealed []byte
	// sealedHash, when set, is SHA-256 of sealed, computed where it was
	// sealed (import's preparing goroutine), for the record's entry tag.
	sealedHash *[32]byte
	// sealedApart: the sealed value still lives in the format-1 fields
	// bucket; the next putMeta moves it in.
	sealedApart bool
}

func (m *recordMeta) hasField(f string) bool {
	for _, x := range m.Fields {
		if x == f {
			return true
		}
	}
	return false
}

func (m *recordMeta) setFields(present map[string]bool) {
	m.Fields = m.Fields[:0]
	for _, f := range FieldNames {
		if present[f] {
			m.Fields = append(m.Fields, f)
		}
	}
}

// aliasEntry is one alias: random, never derived from personal data.
type aliasEntry struct {
	Record  string     `json:"record"`
	Primary bool       `json:"primary,omitempty"`
	Courier string     `json:"courier,omitempty"`
	Note    string     `json:"note,omitempty"`
	Created time.Time  `json:"created"`
	Expires *time.Time `json:"expires,omitempty"`
	Revoked *time.Time `json:"revoked,omitempty"`
	Erased  *time.Time `json:"erased,omitempty"`
}

// shipment is metadata only: which alias went on which parcel, when, by whom.
type shipment struct {
	Record  string    `json:"record,omitempty"` // cleared on erasure
	Alias   string    `json:"alias,omitempty"`  // cleared on erasure
	Date    time.Time `json:"date"`
	Courier string    `json:"courier,omitempty"`
	Ref     string    `json:"ref,omitempty"`
	Created time.Time `json:"created"`
}

// tombstone records an erasure without any personal data, so restoring an
// older backup re-applies it.
type tombstone struct {
	Erased time.Time `json:"erased"`
	By     string    `json:"by"` // forget, rule:NAME, merge
}

// recipientInfo is a person (or device) the keyring wraps keys to.
type recipientInfo struct {
	Recipient string    `json:"recipient"`
	Role      Role      `json:"role"`
	Label     string    `json:"label"`
	Added     time.Time `json:"added"`
	// SigningKey is the hex Ed25519 public key that signs this person's
	// writes (format 3); Signing says how they hold it (signingDerived or
	// signingWrapped).
	SigningKey string `json:"signing_key,omitempty"`
	Signing    string `json:"signing,omitempty"`
}

// Settings are vault-wide options.
type Settings struct {
	ShopName              string `json:"shop_name,omitempty"`
	ShopContact           string `json:"shop_contact,omitempty"`
	ReasonRequiredSupport bool   `json:"reason_required_support,omitempty"`
	// Country is the default country (ISO code) for a phone or an address
	// given without one.
	Country string `json:"country,omitempty"`
}

// countKeys counts a bucket's keys; Stats is not exact inside a write
// transaction that changed the bucket.
func countKeys(b *bolt.Bucket) int {
	n := 0
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n
}

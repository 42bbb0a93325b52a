package vault

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The per-customer values (record metadata, alias entries) are a compact
// binary encoding rather than JSON: at a million customers JSON's field
// names and hex made the metadata the largest part of the vault. The layout
// is in docs/format.md; every value starts with a version byte so the
// encoding can change without a format bump of the whole file.

const (
	// metaEncoding 2 is metadata followed by the record's sealed value;
	// 1 (written only by development builds) had the sealed value apart.
	metaEncoding      = 2
	metaEncodingApart = 1
	aliasEncoding     = 1
)

// errDecode reports a value that does not parse; callers turn it into an
// IntegrityError naming the record.
var errDecode = errors.New("malformed value")

type encoder struct{ buf []byte }

func (e *encoder) byte(b byte)      { e.buf = append(e.buf, b) }
func (e *encoder) uvarint(x uint64) { e.buf = binary.AppendUvarint(e.buf, x) }
func (e *encoder) bytes(b []byte)   { e.uvarint(uint64(len(b))); e.buf = append(e.buf, b...) }
func (e *encoder) string(s string)  { e.uvarint(uint64(len(s))); e.buf = append(e.buf, s...) }

// time keeps full precision: seconds (zig-zag) then nanoseconds, so a
// date-only time costs 6 bytes and a zero time 1.
func (e *encoder) time(t time.Time) {
	if t.IsZero() {
		e.byte(0)
		return
	}
	e.byte(1)
	e.buf = binary.AppendVarint(e.buf, t.Unix())
	e.uvarint(uint64(t.Nanosecond()))
}

type decoder struct {
	buf []byte
	err error
}

func (d *decoder) fail() { d.err = errDecode; d.buf = nil }

func (d *decoder) byte() byte {
	if len(d.buf) < 1 {
		d.fail()
		return 0
	}
	b := d.buf[0]
	d.buf = d.buf[1:]
	return b
}

func (d *decoder) uvarint() uint64 {
	x, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.buf = d.buf[n:]
	return x
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.buf)) {
		d.fail()
		return nil
	}
	b := d.buf[:n:n]
	d.buf = d.buf[n:]
	return b
}

func (d *decoder) string() string { return string(d.bytes()) }

func (d *decoder) time() time.Time {
	if d.byte() == 0 {
		return time.Time{}
	}
	sec, n := binary.Varint(d.buf)
	if n <= 0 {
		d.fail()
		return time.Time{}
	}
	d.buf = d.buf[n:]
	nsec := d.uvarint()
	if nsec >= 1e9 {
		d.fail()
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

func (d *decoder) optTime() *time.Time {
	t := d.time()
	if t.IsZero() {
		return nil
	}
	return &t
}

func optTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// end fails when bytes are left over: a value is exactly its encoding.
func (d *decoder) end() error {
	if d.err == nil && len(d.buf) != 0 {
		d.err = errDecode
	}
	return d.err
}

// Metadata flags for the optional parts.
const (
	metaHasHold = 1 << iota
	metaHasIndex
)

// indexKinds fixes the order of tokens in encoded metadata.
var indexKinds = []byte{kindEmail, kindPhone, kindName}

// encodeMeta: version, alias, times, field bitmask, consent, hold, index
// version and raw tokens, then the sealed value (docs/format.md, "Records").
func encodeMeta(m *recordMeta) []byte {
	e := encoder{buf: make([]byte, 0, 128+len(m.sealed))}
	e.byte(metaEncoding)
	e.string(m.Alias)
	e.time(m.Created)
	e.time(m.Updated)
	e.time(m.LastActivity)
	e.time(optTime(m.LastShipment))
	e.time(optTime(m.ConsentWithdrawn))
	e.time(optTime(m.ErasureRequested))
	var mask uint64
	for _, f := range m.Fields {
		mask |= 1 << fieldCode[f]
	}
	e.uvarint(mask)
	e.uvarint(uint64(len(m.Consent)))
	names := make([]string, 0, len(m.Consent))
	for name := range m.Consent {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		c := m.Consent[name]
		e.string(name)
		if c.Granted {
			e.byte(1)
		} else {
			e.byte(0)
		}
		e.time(c.At)
	}
	var flags byte
	if m.Hold != nil {
		flags |= metaHasHold
	}
	if len(m.Index) > 0 {
		flags |= metaHasIndex
	}
	e.byte(flags)
	if m.Hold != nil {
		e.time(m.Hold.Until)
		e.string(m.Hold.Reason)
	}
	if len(m.Index) > 0 {
		e.uvarint(uint64(m.IndexVersion))
		var present byte
		for i, k := range indexKinds {
			if m.Index[kindNames[k]] != "" {
				present |= 1 << i
			}
		}
		e.byte(present)
		for _, k := range indexKinds {
			if tok := m.Index[kindNames[k]]; tok != "" {
				raw, _ := hex.DecodeString(tok)
				e.bytes(raw)
			}
		}
	}
	return append(e.buf, m.sealed...)
}

func decodeMeta(data []byte) (*recordMeta, error) {
	if len(data) > 0 && data[0] == '{' {
		var m recordMeta
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, errDecode
		}
		m.sealedApart = true
		return &m, nil
	}
	d := decoder{buf: data}
	version := d.byte()
	if version != metaEncoding && version != metaEncodingApart {
		return nil, errDecode
	}
	m := &recordMeta{sealedApart: version == metaEncodingApart}
	m.Alias = d.string()
	m.Created = d.time()
	m.Updated = d.time()
	m.LastActivity = d.time()
	m.LastShipment = d.optTime()
	m.ConsentWithdrawn = d.optTime()
	m.ErasureRequested = d.optTime()
	mask := d.uvarint()
	if mask&^allFieldsMask != 0 {
		return nil, errDecode // a field code this version does not know
	}
	m.Fields = fieldsOf(mask)
	if n := d.uvarint(); n > 0 && d.err == nil {
		if n > uint64(len(d.buf)) {
			return nil, errDecode
		}
		m.Consent = make(map[string]Consent, n)
		for range n {
			name := d.string()
			granted := d.byte() == 1
			m.Consent[name] = Consent{Granted: granted, At: d.time()}
		}
	}
	flags := d.byte()
	if flags&metaHasHold != 0 {
		m.Hold = &Hold{Until: d.time(), Reason: d.string()}
	}
	if flags&metaHasIndex != 0 {
		m.IndexVersion = uint32(d.uvarint())
		present := d.byte()
		m.Index = make(map[string]string, 3)
		for i, k := range indexKinds {
			if present&(1<<i) != 0 {
				m.Index[kindNames[k]] = hex.EncodeToString(d.bytes())
			}
		}
	}
	if !m.sealedApart && d.err == nil && len(d.buf) > 0 {
		m.sealed = d.buf
		d.buf = nil
	}
	if err := d.end(); err != nil {
		return nil, err
	}
	return m, nil
}

// allFieldsMask has the bit of every field code.
var allFieldsMask = func() uint64 {
	var m uint64
	for _, c := range fieldCode {
		m |= 1 << c
	}
	return m
}()

// fieldsOf lists the fields of a bitmask (bit 1<<fieldCode), in display order.
func fieldsOf(mask uint64) []string {
	if mask == 0 {
		return nil
	}
	out := make([]string, 0, bits.OnesCount64(mask))
	for _, f := range FieldNames {
		if mask&(1<<fieldCode[f]) != 0 {
			out = append(out, f)
		}
	}
	return out
}

// decodeRecord decodes a records value, fetching a format-1 record's
// sealed value from the fields bucket.
func decodeRecord(tx *bolt.Tx, id []byte, data []byte) (*recordMeta, error) {
	m, err := decodeMeta(data)
	if err != nil {
		return nil, err
	}
	if m.sealedApart {
		m.sealed = tx.Bucket(bFields).Get(id)
	}
	return m, nil
}

// forEachRecord calls fn with every record's id and metadata, in id
// order. Metadata that does not decode is an IntegrityError naming the
// record.
func forEachRecord(tx *bolt.Tx, fn func(id recordID, m *recordMeta) error) error {
	return tx.Bucket(bRecords).ForEach(func(k, data []byte) error {
		m, err := decodeRecord(tx, k, data)
		if err != nil {
			return &IntegrityError{What: fmt.Sprintf("record %x metadata does not decode", k)}
		}
		var id recordID
		copy(id[:], k)
		return fn(id, m)
	})
}

// Alias entry flags.
const (
	aliasPrimary = 1 << iota
)

// encodeAlias: version, record id (empty once erased), flags, times,
// courier and note (docs/format.md, "Aliases").
func encodeAlias(a *aliasEntry) []byte {
	e := encoder{buf: make([]byte, 0, 32)}
	e.byte(aliasEncoding)
	raw, _ := hex.DecodeString(a.Record)
	e.bytes(raw)
	var flags byte
	if a.Primary {
		flags |= aliasPrimary
	}
	e.byte(flags)
	e.time(a.Created)
	e.time(optTime(a.Expires))
	e.time(optTime(a.Revoked))
	e.time(optTime(a.Erased))
	e.string(a.Courier)
	e.string(a.Note)
	return e.buf
}

func decodeAlias(data []byte) (aliasEntry, error) {
	var a aliasEntry
	if len(data) > 0 && data[0] == '{' {
		if err := json.Unmarshal(data, &a); err != nil {
			return a, errDecode
		}
		return a, nil
	}
	d := decoder{buf: data}
	if d.byte() != aliasEncoding {
		return a, errDecode
	}
	if raw := d.bytes(); len(raw) > 0 {
		a.Record = hex.EncodeToString(raw)
	}
	a.Primary = d.byte()&aliasPrimary != 0
	a.Created = d.time()
	a.Expires = d.optTime()
	a.Revoked = d.optTime()
	a.Erased = d.optTime()
	a.Courier = d.string()
	a.Note = d.string()
	return a, d.end()
}

// getAliasEntry reads an alias entry; false when there is none.
func getAliasEntry(b *bolt.Bucket, alias []byte, e *aliasEntry) (bool, error) {
	data := b.Get(alias)
	if data == nil {
		return false, nil
	}
	a, err := decodeAlias(data)
	if err != nil {
		return false, &IntegrityError{What: fmt.Sprintf("alias %s: its entry does not decode", alias)}
	}
	*e = a
	return true, nil
}

func (v *Vault) putAliasEntry(tx *bolt.Tx, alias []byte, e aliasEntry) error {
	return v.putTagged(tx, "aliases", alias, encodeAlias(&e))
}

package vault

import (
	"encoding/binary"
	"encoding/hex"
)

// metaTokens are a record's index tokens as its metadata lists them, read
// without decoding the rest (no allocation): for scans of every record
// that need only these (a find that matched nothing, a rotation's index
// write).
type metaTokens struct {
	version uint32
	// tokens by indexKinds position, nil when absent; they alias the value
	tokens [3][]byte
}

// readMetaTokens reads the index part of a records value. ok is false when
// the value does not parse.
func readMetaTokens(data []byte) (t metaTokens, ok bool) {
	if len(data) > 0 && data[0] == '{' {
		return jsonMetaTokens(data)
	}
	t, _, ok = walkMeta(data)
	return t, ok
}

// recordMetaLen is how many leading bytes of a records value are its
// metadata (the rest is its sealed value), exactly as decodeMeta splits
// them, without decoding: the whole value when it does not decode or keeps
// its sealed value apart (format 1).
func recordMetaLen(value []byte) int {
	if len(value) == 0 || value[0] != metaEncoding {
		return len(value)
	}
	_, n, ok := walkMeta(value)
	if !ok {
		return len(value)
	}
	return n
}

// walkMeta passes over binary metadata as decodeMeta reads it, failing
// where it fails, and gives the index tokens and where the metadata ends.
func walkMeta(data []byte) (t metaTokens, metaLen int, ok bool) {
	d := decoder{buf: data}
	version := d.byte()
	if version != metaEncoding && version != metaEncodingApart {
		return t, 0, false
	}
	d.bytes() // alias
	for range 6 {
		d.skipTime()
	}
	if d.uvarint()&^allFieldsMask != 0 {
		return t, 0, false // a field code this version does not know
	}
	if n := d.uvarint(); n > 0 && d.err == nil {
		if n > uint64(len(d.buf)) {
			return t, 0, false
		}
		for range n {
			d.bytes() // consent name
			d.byte()
			d.skipTime()
		}
	}
	flags := d.byte()
	if flags&metaHasHold != 0 {
		d.skipTime()
		d.bytes()
	}
	if flags&metaHasIndex != 0 {
		t.version = uint32(d.uvarint())
		present := d.byte()
		for i := range indexKinds {
			if present&(1<<i) != 0 {
				t.tokens[i] = d.bytes()
			}
		}
	}
	if d.err != nil || (version == metaEncodingApart && len(d.buf) != 0) {
		return metaTokens{}, 0, false
	}
	return t, len(data) - len(d.buf), true
}

// jsonMetaTokens is readMetaTokens for format 1's JSON metadata.
func jsonMetaTokens(data []byte) (t metaTokens, ok bool) {
	m, err := decodeMeta(data)
	if err != nil {
		return t, false
	}
	t.version = m.IndexVersion
	for i, k := range indexKinds {
		if h := m.Index[kindNames[k]]; h != "" {
			tok, err := hex.DecodeString(h)
			if err != nil {
				return t, false
			}
			t.tokens[i] = tok
		}
	}
	return t, true
}

// skipTime passes over an encoded time, failing where decoder.time fails.
func (d *decoder) skipTime() {
	if d.byte() == 0 {
		return
	}
	_, n := binary.Varint(d.buf)
	if n <= 0 {
		d.fail()
		return
	}
	d.buf = d.buf[n:]
	if d.uvarint() >= 1e9 {
		d.fail()
	}
}

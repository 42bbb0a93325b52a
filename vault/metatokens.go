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
	d := decoder{buf: data}
	if v := d.byte(); v != metaEncoding && v != metaEncodingApart {
		return t, false
	}
	d.bytes() // alias
	for range 6 {
		d.skipTime()
	}
	d.uvarint() // field mask
	n := d.uvarint()
	if n > uint64(len(d.buf)) {
		return t, false
	}
	for range n {
		d.bytes() // consent name
		d.byte()
		d.skipTime()
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
	return t, d.err == nil
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

// skipTime passes over an encoded time.
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
	d.uvarint()
}

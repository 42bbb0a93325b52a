package vault

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// MaxImportRecordBytes bounds one CSV record or one vCard: a longer one is
// refused with its row number instead of being read into memory (a file of
// one huge line, or an unterminated quote, must not take the machine's
// memory). Real rows are a few hundred bytes; an order row with its line
// items a few kilobytes.
const MaxImportRecordBytes = 1 << 20

// sniffBytes is how much of the file the encoding and the delimiter are
// judged from.
const sniffBytes = 64 << 10

// errRecordTooLong is returned by recordLimiter past MaxImportRecordBytes.
var errRecordTooLong = errors.New("record too long")

// Dialect is how a text file is written: its encoding and, for CSV, the
// field delimiter.
type Dialect struct {
	Encoding string // utf-8, utf-8-bom, utf-16le, utf-16be, windows-1252
	Comma    rune
}

func (d Dialect) String() string {
	names := map[rune]string{',': "comma", ';': "semicolon", '\t': "tab"}
	if d.Comma == 0 {
		return d.Encoding
	}
	return d.Encoding + ", " + names[d.Comma]
}

// decodeInput recognises the encoding from the start of the file (a BOM,
// the zero bytes of UTF-16 without one, or bytes that are not UTF-8, which
// Excel writes as Windows-1252) and returns the text as UTF-8.
func decodeInput(src io.Reader) (*bufio.Reader, string, error) {
	br := bufio.NewReaderSize(src, sniffBytes)
	head, _ := br.Peek(sniffBytes)
	if e := notText(head); e != nil {
		return br, "", e
	}
	var enc encoding.Encoding
	name := "utf-8"
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		_, _ = br.Discard(3) // Peek above holds these 3 bytes: it cannot fail
		name = "utf-8-bom"
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		enc, name = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), "utf-16le"
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		enc, name = unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), "utf-16be"
	case looksUTF16(head, 1):
		enc, name = unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le"
	case looksUTF16(head, 0):
		enc, name = unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be"
	case !validUTF8Prefix(head):
		enc, name = charmap.Windows1252, "windows-1252"
	}
	var text *bufio.Reader
	if enc == nil {
		// UTF-8 as far as the sample shows; a stray Windows-1252 byte
		// further on is read as that rather than refusing its row.
		text = bufio.NewReaderSize(transform.NewReader(br, utf8OrWindows1252{}), sniffBytes)
	} else {
		text = bufio.NewReaderSize(transform.NewReader(br, enc.NewDecoder()), sniffBytes)
	}
	// Old Mac spreadsheets end lines with CR alone.
	if sample, _ := text.Peek(sniffBytes); bytes.IndexByte(sample, '\r') >= 0 && bytes.IndexByte(sample, '\n') < 0 {
		text = bufio.NewReaderSize(crToLF{text}, sniffBytes)
		name += ", CR"
	}
	return text, name, nil
}

// crToLF reads CR line endings as LF.
type crToLF struct{ r io.Reader }

func (c crToLF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i := range p[:n] {
		if p[i] == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}

// utf8OrWindows1252 passes UTF-8 through and decodes each byte that is not
// part of valid UTF-8 as Windows-1252 (a file saved mostly in one encoding,
// edited in another).
type utf8OrWindows1252 struct{ transform.NopResetter }

func (utf8OrWindows1252) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		c := src[nSrc]
		if c < utf8.RuneSelf {
			if nDst >= len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			dst[nDst] = c
			nDst++
			nSrc++
			continue
		}
		r, size := utf8.DecodeRune(src[nSrc:])
		if r == utf8.RuneError && size <= 1 {
			if !atEOF && !utf8.FullRune(src[nSrc:]) {
				return nDst, nSrc, transform.ErrShortSrc
			}
			r, size = charmap.Windows1252.DecodeByte(c), 1
		}
		if nDst+utf8.RuneLen(r) > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += utf8.EncodeRune(dst[nDst:], r)
		nSrc += size
	}
	return nDst, nSrc, nil
}

// notText recognises files people pick by mistake instead of an export:
// a workbook, a PDF, other binary data. The reason says what to do.
func notText(head []byte) *InputError {
	const save = "; save it as CSV from the program that made it (Excel: File → Save As → CSV UTF-8), then import that"
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return &InputError{Reason: "this is a workbook or other zip file (.xlsx, .ods, .numbers), not CSV" + save}
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return &InputError{Reason: "this is an old Excel workbook (.xls), not CSV" + save}
	case bytes.HasPrefix(head, []byte("%PDF")):
		return &InputError{Reason: "this is a PDF, not a CSV or vCard file; export the customers from the program that made it (docs/import.md)"}
	}
	return nil
}

// looksUTF16 reports whether most of the bytes at odd (zero=1) or even
// (zero=0) positions are zero, as in UTF-16 text of mostly Latin script.
func looksUTF16(head []byte, zero int) bool {
	if len(head) < 4 {
		return false
	}
	zeros, n := 0, 0
	for i := zero; i < len(head); i += 2 {
		n++
		if head[i] == 0 {
			zeros++
		}
	}
	return zeros*10 >= n*7
}

// validUTF8Prefix is utf8.Valid allowing a rune cut at the end of the sample.
func validUTF8Prefix(b []byte) bool {
	for i := 0; i < 3 && len(b) > 0 && !utf8.Valid(b); i++ {
		b = b[:len(b)-1]
	}
	return utf8.Valid(b)
}

// sniffComma picks the delimiter from the header line: the most frequent
// of comma, semicolon and tab outside quotes (Excel writes semicolons where
// the comma is the decimal separator, and tabs for "Unicode Text").
// skipped is 1 when the file names its delimiter on a first "sep=" line
// (consumed here).
func sniffComma(br *bufio.Reader) (comma rune, skipped int) {
	head, _ := br.Peek(sniffBytes)
	// Excel's own way to name it: a first line "sep=;".
	if len(head) >= 5 && bytes.EqualFold(head[:4], []byte("sep=")) && (len(head) == 5 || head[5] == '\r' || head[5] == '\n') {
		comma := rune(head[4])
		// Consume exactly the "sep=;" line and its line end (CR, LF or
		// CRLF), all inside the peeked bytes, so the skip cannot fail.
		n := 5
		if len(head) > n && head[n] == '\r' {
			n++
		}
		if len(head) > n && head[n] == '\n' {
			n++
		}
		_, _ = br.Discard(n)
		return comma, 1
	}
	counts := map[byte]int{}
	quoted := false
	for _, c := range head {
		if c == '"' {
			quoted = !quoted
		}
		if quoted {
			continue
		}
		if c == '\n' {
			break
		}
		counts[c]++
	}
	best, n := byte(','), counts[',']
	for _, c := range []byte{';', '\t'} {
		if counts[c] > n {
			best, n = c, counts[c]
		}
	}
	return rune(best), 0
}

// recordLimiter refuses to hand out more than MaxImportRecordBytes between
// two calls of reset, so a reader that collects a record (encoding/csv,
// the vCard reader) never holds more than that. It counts what the
// consumer's buffer took, so the bound is the limit plus one buffer.
type recordLimiter struct {
	r     io.Reader
	n     int
	limit int
}

func (l *recordLimiter) Read(p []byte) (int, error) {
	if l.n > l.limit {
		return 0, errRecordTooLong
	}
	if len(p) > l.limit+1-l.n {
		p = p[:l.limit+1-l.n]
	}
	n, err := l.r.Read(p)
	l.n += n
	return n, err
}

func (l *recordLimiter) reset() { l.n = 0 }

// tooLongError is the refusal of an over-long record.
func tooLongError(what string) *InputError {
	return &InputError{Reason: fmt.Sprintf("the %s is longer than %d MiB (an unterminated quote, or not a contacts file): nothing after it was read", what, MaxImportRecordBytes>>20)}
}

package vault

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

// hostile is a 1 GB input made on the fly: a prefix, then body repeated.
type hostile struct {
	prefix []byte
	body   []byte
	left   int64
	served int64
}

func newHostile(prefix, body string) *hostile {
	return &hostile{prefix: []byte(prefix), body: []byte(body), left: 1 << 30}
}

func (h *hostile) Read(p []byte) (int, error) {
	if len(h.prefix) > 0 {
		n := copy(p, h.prefix)
		h.prefix = h.prefix[n:]
		h.served += int64(n)
		return n, nil
	}
	if h.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > h.left {
		p = p[:h.left]
	}
	n := 0
	for n < len(p) {
		n += copy(p[n:], h.body)
	}
	h.left -= int64(n)
	h.served += int64(n)
	return n, nil
}

// A 1 GB hostile file (one huge line, an unterminated quote, a card that
// never ends) is refused at its row after reading about the record limit,
// never held in memory: peak memory stays far below 200 MB (issue 15).
func TestImportHostileInputIsBounded(t *testing.T) {
	for _, tc := range []struct {
		name, prefix, body string
		line               int
	}{
		{"one huge line", "name,email\nAda,", "a", 2},
		{"unterminated quote", "name,email\nAda,a@example.com\n\"Bo", "bbbbbbb\n", 3},
		{"huge vCard line", "BEGIN:VCARD\nVERSION:3.0\nNOTE:", "n", 3},
		{"vCard that never ends", "BEGIN:VCARD\nVERSION:3.0\n", "NOTE:nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\n", 1},
		{"huge header", "name", "e", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			src := newHostile(tc.prefix, tc.body)
			var err error
			var row ImportRow
			rows, err := NewRowReader(src, "", nil)
			for err == nil {
				row, err = rows.Next()
			}
			var in *InputError
			if !errors.As(err, &in) || !strings.Contains(in.Reason, "longer than") {
				t.Fatalf("err = %v, want a refusal of an over-long record", err)
			}
			if row.Line != tc.line {
				t.Errorf("refused at row %d, want %d", row.Line, tc.line)
			}
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			if read := src.served; read > 8<<20 {
				t.Errorf("read %d MB of the 1 GB input before refusing", read>>20)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("allocated %d MB", alloc>>20)
			}
			if bytes.Contains([]byte(in.Reason), []byte("aaaa")) {
				t.Error("the refusal quotes the input")
			}
		})
	}
}

// The vCard reader never fails on arbitrary bytes except with a refusal or
// the end, and what it gives out is what add validates (issue 15).
func FuzzVCard(f *testing.F) {
	for _, seed := range []string{
		"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Ad=C3=A9=\r\nb=C3=A1y\r\nTEL;CELL:0803\r\nEND:VCARD\r\n",
		"BEGIN:VCARD\nVERSION:3.0\nitem1.TEL:1\nitem1.X-ABLabel:_$!<Mobile>!$_\nADR;type=HOME:;;a\\;b;c\n d;;;\nEND:VCARD\n",
		"BEGIN:VCARD\nVERSION:4.0\nTEL;VALUE=uri;TYPE=\"cell,voice\";PREF=1:tel:+1-555\nEND:VCARD\n",
		"BEGIN:VCARD\nFN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:J=FCrgen\nEND:VCARD",
		"BEGIN:VCARD\nPHOTO;ENCODING=b:AAAA\n AAAA\nEND:VCARD\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := NewRowReader(bytes.NewReader(data), FormatVCard, nil)
		if err != nil {
			return
		}
		readRowsRefusingOnly(t, rows)
	})
}

// Dialect sniffing and the CSV formats never fail on arbitrary bytes except
// with a refusal: encodings, delimiters and headers of any shape.
func FuzzSniffCSV(f *testing.F) {
	for _, seed := range []string{
		"name,email\nAda,a@example.com\n",
		"\xef\xbb\xbfname;email\r\nJ\xfcrgen;j@example.de\r\n",
		"\xff\xfen\x00a\x00m\x00e\x00\t\x00p\x00h\x00o\x00n\x00e\x00\r\x00\n\x00",
		"Name,Email,Financial Status,Lineitem name\n#1,a@b.c,paid,x\n#1,,,y\n",
		"First Name,Last Name,Phone 1 - Label,Phone 1 - Value\nA,B,Mobile,1 ::: 2\n",
		"a\"b,c\n\"unterminated\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := NewRowReader(bytes.NewReader(data), "", nil)
		if err != nil {
			var in *InputError
			var uf *UnknownFormatError
			if !errors.As(err, &in) && !errors.As(err, &uf) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		readRowsRefusingOnly(t, rows)
	})
}

// A workbook or PDF picked instead of an export is refused with what to do,
// before anything is read as rows (issue 15).
func TestImportRefusesWorkbooks(t *testing.T) {
	for name, head := range map[string]string{
		"xlsx": "PK\x03\x04\x14\x00\x06\x00rest of a zip",
		"xls":  "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest",
		"pdf":  "%PDF-1.7\n%rest",
	} {
		_, err := NewRowReader(strings.NewReader(head), "", nil)
		var in *InputError
		if !errors.As(err, &in) || !strings.Contains(in.Reason, "not") {
			t.Errorf("%s: err = %v, want a refusal saying what the file is", name, err)
		}
	}
}

// Dialect details Excel and hand-edited files have: a "sep=" first line,
// a stray Windows-1252 byte after a UTF-8 start, delimiters inside quotes,
// tabs, old Mac CR line endings (issue 15).
func TestImportDialects(t *testing.T) {
	long := strings.Repeat("Ada Obi,ada@example.com\n", 4000) // past the sniffed sample
	for _, tc := range []struct {
		name, in string
		row      int
		want     map[string]string
	}{
		{"sep line", "sep=;\r\nname;email\r\nAda Obi;ada@example.com\r\n", 3, map[string]string{"name": "Ada Obi", "email": "ada@example.com"}},
		{"sep line, LF", "sep=;\nname;email\nAda Obi;ada@example.com\n", 3, map[string]string{"name": "Ada Obi", "email": "ada@example.com"}},
		{"sep line, CR line endings", "sep=;\rname;email\rAda Obi;ada@example.com\rBo Ede;bo@example.com\r", 4, map[string]string{"name": "Bo Ede", "email": "bo@example.com"}},
		{"late windows-1252 byte", "name,email\n" + long + "J\xfcrgen Wei\xdf,j@example.de\n", 4002, map[string]string{"name": "Jürgen Weiß", "email": "j@example.de"}},
		{"semicolons inside quotes", "name,phone,note\n\"Obi; Ada\",+2348031234567,\"ring; twice\"\n", 2, map[string]string{"name": "Obi; Ada", "note": "ring; twice"}},
		{"tabs", "name\temail\nAda Obi\tada@example.com\n", 2, map[string]string{"name": "Ada Obi", "email": "ada@example.com"}},
		{"CR line endings", "name,email\rAda Obi,ada@example.com\rBo Ede,bo@example.com\r", 3, map[string]string{"name": "Bo Ede", "email": "bo@example.com"}},
		{"UTF-16 big-endian without BOM", "\x00n\x00a\x00m\x00e\x00,\x00e\x00m\x00a\x00i\x00l\x00\n\x00Z\x00o\x00\xeb\x00,\x00z\x00@\x00e\x00x\x00.\x00c\x00o\x00\n", 2, map[string]string{"name": "Zoë", "email": "z@ex.co"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := NewRowReader(strings.NewReader(tc.in), "", nil)
			if err != nil {
				t.Fatal(err)
			}
			var last ImportRow
			for {
				row, err := rows.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("row %d: %v", row.Line, err)
				}
				last = row
			}
			if last.Line != tc.row {
				t.Errorf("last row %d, want %d", last.Line, tc.row)
			}
			for f, want := range tc.want {
				if last.Fields[f] != want {
					t.Errorf("%s = %q, want %q", f, last.Fields[f], want)
				}
			}
		})
	}
}

// vCard values in the charsets phones and mail programs name (issue 15).
func TestVCardCharsets(t *testing.T) {
	for _, tc := range []struct{ charset, raw, want string }{
		{"ISO-8859-1", "J\xfcrgen", "Jürgen"},
		{"windows-1251", "\xce\xeb\xe5\xed\xe0", "Олена"},
		{"KOI8-R", "\xef\xcc\xc5\xce\xc1", "Олена"},
		{"Shift_JIS", "\x8eR\x93c", "山田"},
		{"UTF-8", "Zo\xc3\xab", "Zoë"},
		{"", "Zo\xeb", "Zoë"}, // no charset, not UTF-8: Windows-1252
		{"x-unknown", "Zo\xc3\xab", "Zoë"},
	} {
		if got := decodeCharset([]byte(tc.raw), tc.charset); got != tc.want {
			t.Errorf("decodeCharset(%q, %q) = %q, want %q", tc.raw, tc.charset, got, tc.want)
		}
	}
}

// readRowsRefusingOnly reads up to 1000 rows: every error is a refusal (an
// InputError; a malformed row lets the reading go on), and every row holds
// only vault fields.
func readRowsRefusingOnly(t *testing.T, rows RowReader) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		row, err := rows.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			var in *InputError
			if !errors.As(err, &in) {
				t.Fatalf("unexpected error %v", err)
			}
			if !errors.Is(err, ErrMalformedRow) {
				return
			}
			continue
		}
		for f := range row.Fields {
			if !IsField(f) {
				t.Fatalf("field %q is not a vault field", f)
			}
		}
	}
}

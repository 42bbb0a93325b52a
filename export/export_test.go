package export

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
)

// Issue 4: a customer field holding ZPL commands cannot inject them.
func TestZPLFieldEscapesCommandPrefixes(t *testing.T) {
	for in, want := range map[string]string{
		"^XA^FO50,50^FDpwned^FS^XZ": "_5EXA_5EFO50,50_5EFDpwned_5EFS_5EXZ",
		"~JA 12 Main St":            "_7EJA 12 Main St",
		"a_b\\c\n":                  "a_5Fb_5Cc_0A",
		"Ọlá":                       "_E1_BB_8Cl_C3_A1",
	} {
		if got := ZPLField(in); got != want {
			t.Errorf("ZPLField(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteZPLOneBlockPerLabel(t *testing.T) {
	var buf bytes.Buffer
	labels := []Label{{Alias: "K7QM-4TXR-Z", Recipient: "^XA^XZ~DG", Lines: []string{"~JA"}}, {Alias: "M3JD-8QWE-4", Recipient: "Ann"}}
	if err := WriteZPL(&buf, labels); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Count(out, "^XA") != 2 || strings.Count(out, "^XZ") != 2 || strings.Contains(out, "~") {
		t.Fatalf("injection or wrong block count:\n%s", out)
	}
}

func FuzzZPLField(f *testing.F) {
	f.Add("^XA^FDx^FS^XZ")
	f.Add("~JA")
	f.Add("Adébáyọ̀")
	f.Fuzz(func(t *testing.T, s string) {
		out := ZPLField(s)
		if strings.ContainsAny(out, "^~\\\n\r") {
			t.Fatalf("ZPLField(%q) = %q keeps a control character", s, out)
		}
	})
}

// Issue 4: CSV neutralises formula injection and stays RFC 4180.
func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")", "+cmd|' /C calc'!A0": "'+cmd|' /C calc'!A0", "-1": "'-1", "@SUM(A1)": "'@SUM(A1)",
		"\tx": "'\tx", "\rx": "'\rx", "Lagos": "Lagos", "": "", "a=b": "a=b",
	} {
		if got := SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
	var buf bytes.Buffer
	w, _ := NewCSVWriter(&buf, []string{"a", "b"})
	must(t, w.Write([]string{"x,y", "=1+1"}))
	must(t, w.Flush())
	if buf.String() != "a,b\r\n\"x,y\",'=1+1\r\n" {
		t.Fatalf("csv: %q", buf.String())
	}
}

func TestLabelMinimises(t *testing.T) {
	f := map[string]string{"name": "Ngozi Okafor", "phone": "+2348035550101", "line1": "5 Awolowo Road", "city": "Ikoyi", "region": "Lagos", "postcode": "101233", "country": "NG"}
	l := LabelFromFields("K7QM-4TXR-Z", f, false, false, "ORD-1", "")
	if l.Recipient != "Ngozi" || l.Phone != "" {
		t.Fatalf("default label: %+v", l)
	}
	l = LabelFromFields("K7QM-4TXR-Z", f, true, true, "", "")
	if l.Recipient != "Ngozi Okafor" || l.Phone != "+2348035550101" {
		t.Fatalf("full label: %+v", l)
	}
	if FirstName("王小明") != "王小明" || FirstName("  ") != "" {
		t.Fatal("FirstName")
	}
}

func TestPDFLabelsRenderScriptsAndRefuseCJK(t *testing.T) {
	labels := []Label{
		{Alias: "K7QM-4TXR-Z", Recipient: "Adébáyọ̀", Lines: []string{"14 Herbert Macaulay Way", "Yaba Lagos 101212", "NIGERIA"}},
		{Alias: "M3JD-8QWE-4", Recipient: "Ελένη", Lines: []string{"Дмитрий Иванов 5", "Athens"}},
	}
	var buf bytes.Buffer
	if err := WritePDFLabels(&buf, labels, PDFOptions{Size: Size4x6, Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	if _, err := exec.LookPath("pdftotext"); err == nil {
		cmd := exec.Command("pdftotext", "-", "-")
		cmd.Stdin = bytes.NewReader(buf.Bytes())
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"K7QM-4TXR-Z", "Herbert Macaulay", "Ελένη", "Дмитрий", "\f"} {
			if !strings.Contains(string(out), s) {
				t.Errorf("pdftotext output lacks %q", s)
			}
		}
		if strings.Count(string(out), "\f") != 2 {
			t.Errorf("want 2 pages, got %d", strings.Count(string(out), "\f"))
		}
	}
	err := WritePDFLabels(&bytes.Buffer{}, []Label{{Alias: "K7QM-4TXR-Z", Recipient: "王小明"}}, PDFOptions{Size: Size4x6})
	if me, ok := err.(*MissingGlyphsError); !ok || me.Alias != "K7QM-4TXR-Z" || !strings.Contains(me.Script, "Han") {
		t.Fatalf("CJK without a font: %v", err)
	}
}

func TestManifestCSVHasNoPersonalFields(t *testing.T) {
	var buf bytes.Buffer
	rows := []ManifestRow{{Alias: "K7QM-4TXR-Z", Ref: "=cmd", Date: time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC), City: "Ikoyi", Country: "NG", Name: "Ngozi", Line1: "5 Awolowo"}}
	must(t, WriteManifestCSV(&buf, rows, false))
	if strings.Contains(buf.String(), "Ngozi") || !strings.Contains(buf.String(), "'=cmd") {
		t.Fatalf("manifest: %q", buf.String())
	}
}

func TestNoticeFromConfiguration(t *testing.T) {
	var buf bytes.Buffer
	must(t, WriteNotice(&buf, NoticeInput{ShopName: "Mama Put", FieldsHeld: map[string]int{"phone": 3, "email": 0}, Rules: []NoticeRule{{When: "last_activity", Years: 2, Action: "erase"}}, Generated: time.Now()}))
	out := buf.String()
	if !strings.Contains(out, "# How Mama Put") || !strings.Contains(out, "phone number") || strings.Contains(out, "email address") || !strings.Contains(out, "We delete all your details two years after") {
		t.Fatalf("notice:\n%s", out)
	}
}

// TestNoticeNeverShowsRawConsentValues: a consent column once stored "yes",
// "no" and "false" as purposes; the notice says only known purposes, in
// words (issue 14).
func TestNoticeNeverShowsRawConsentValues(t *testing.T) {
	const tail = " if you said yes, and you can change your mind at any time."
	tests := []struct {
		consents []string
		want     string // the consent sentence, "" for no consent section
	}{
		{[]string{"marketing"}, "We only send you news and offers by email" + tail},
		{[]string{"sms", "marketing"}, "We only send you news and offers by email or text messages (SMS)" + tail},
		{[]string{"no", "false", "yes", "0"}, ""},
		{[]string{"marketing", "no", "FALSE"}, "We only send you news and offers by email" + tail},
	}
	for _, tc := range tests {
		var buf bytes.Buffer
		if err := WriteNotice(&buf, NoticeInput{Consents: tc.consents, Generated: time.Now()}); err != nil {
			t.Fatal(err)
		}
		var got string
		for _, line := range strings.Split(buf.String(), "\n") {
			if strings.HasPrefix(line, "We only") {
				got = line
			}
		}
		if got != tc.want || strings.Contains(buf.String(), "What you agreed to") != (tc.want != "") {
			t.Errorf("consents %v: consent sentence %q, want %q", tc.consents, got, tc.want)
		}
	}
}

// Issue 17 item 7: customers read the notice; it speaks in plain words.
func TestNoticeRulesInPlainWords(t *testing.T) {
	for _, tc := range []struct {
		rule NoticeRule
		want string
	}{
		{NoticeRule{When: "last_activity", Years: 2, Action: "erase"}, "We delete all your details two years after we last heard from you."},
		{NoticeRule{When: "last_shipment", Days: 30, Action: "drop", Fields: []string{"phone"}}, "We delete your phone number 30 days after delivery."},
		{NoticeRule{When: "erasure_requested", Days: 14, Action: "erase"}, "We delete all your details two weeks after you ask us to delete them."},
		{NoticeRule{When: "consent_withdrawn", Days: 30, Action: "drop", Fields: []string{"note", "email", "phone"}}, "We delete your delivery notes, your email address and your phone number 30 days after you withdraw your consent."},
		{NoticeRule{When: "created", Years: 1, Months: 6, Action: "erase"}, "We delete all your details one year and six months after we first saved them."},
		{NoticeRule{When: "erasure_requested", Action: "erase"}, "We delete all your details as soon as you ask us to."},
	} {
		if got := tc.rule.Sentence(); got != tc.want {
			t.Errorf("%+v:\n got %q\nwant %q", tc.rule, got, tc.want)
		}
	}
	var buf bytes.Buffer
	must(t, WriteNotice(&buf, NoticeInput{FieldsHeld: map[string]int{"phone": 1}, Roles: map[string]int{"shipping": 1}, Generated: time.Now(),
		Rules: []NoticeRule{{When: "last_shipment", Days: 30, Action: "drop", Fields: []string{"phone"}}}}))
	out := buf.String()
	for _, bad := range []string{"(s)", "30d", "2y", "field"} {
		if strings.Contains(out, bad) {
			t.Errorf("notice has %q:\n%s", bad, out)
		}
	}
	if !strings.Contains(out, "one helper can see") {
		t.Errorf("notice does not say one helper:\n%s", out)
	}
}

// Issue 17 item 6: the key on the recovery sheet fits on the one line the
// sheet tells the owner to type it on.
func TestRecoveryKeyOnOneLine(t *testing.T) {
	const width = 483.0 - 8 // A4 less the margins and the box
	// A real identity, made here, rather than a key-shaped literal in the tree.
	x25519, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		key   string
		lines int
	}{
		{"X25519", x25519.String(), 1},
		{"post-quantum", "AGE-SECRET-KEY-PQ-1" + strings.Repeat("Q", 58), 1},
		{"very long", strings.Repeat("Q", 400), 5},
	} {
		size, lines := keyLines(tc.key, width)
		if len(lines) != tc.lines {
			t.Errorf("%s: %d lines, want %d", tc.name, len(lines), tc.lines)
		}
		if strings.Join(lines, "") != tc.key {
			t.Errorf("%s: the lines do not spell the key", tc.name)
		}
		for _, l := range lines {
			if w := monoAdvance * size * float64(len(l)); w > width {
				t.Errorf("%s: a line is %.0f pt wide in %.0f pt", tc.name, w, width)
			}
		}
		if size < 8 {
			t.Errorf("%s: %.1f pt is too small to read", tc.name, size)
		}
	}
}

// must fails the test on err: setup and tampering steps whose failure
// would leave a test passing without testing anything.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestManifestJSONKeysAreStable: every row has every key, named as the CSV
// header names it, and an erased customer's alias reads "(erased)" as in
// the CSV (polish item 3; docs/json.md).
func TestManifestJSONKeysAreStable(t *testing.T) {
	day := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	rows := []ManifestRow{
		{Alias: "K7QM-4TXR-Z", Ref: "ORD-1", Date: day, Courier: "gig", City: "Ikoyi", Region: "Lagos", Postcode: "101", Country: "NG"},
		{Date: day, Erased: true},
	}
	general := []string{"alias", "ref", "date", "courier", "city", "region", "postcode_area", "postcode", "country", "erased"}
	address := []string{"alias", "ref", "date", "courier", "name", "line1", "line2", "city", "region", "postcode", "country", "erased"}
	for _, tt := range []struct {
		withAddress bool
		keys        []string
	}{{false, general}, {true, address}} {
		var buf bytes.Buffer
		must(t, WriteManifestJSON(&buf, rows, tt.withAddress))
		var got []map[string]any
		must(t, json.Unmarshal(buf.Bytes(), &got))
		for i, r := range got {
			if len(r) != len(tt.keys) {
				t.Errorf("address=%v row %d has keys %v, want %v", tt.withAddress, i, r, tt.keys)
			}
			for _, k := range tt.keys {
				if _, ok := r[k]; !ok {
					t.Errorf("address=%v row %d lacks %q", tt.withAddress, i, k)
				}
			}
		}
		if got[1]["alias"] != "(erased)" || got[1]["erased"] != true || got[0]["erased"] != false {
			t.Errorf("address=%v: %v", tt.withAddress, got)
		}
		if !tt.withAddress && got[0]["postcode_area"] != "101" {
			t.Errorf("postcode_area = %v", got[0]["postcode_area"])
		}
	}
	var buf bytes.Buffer
	must(t, WriteManifestJSON(&buf, nil, false))
	if strings.TrimSpace(buf.String()) != "[]" {
		t.Errorf("no rows: %q, want []", buf.String())
	}
}

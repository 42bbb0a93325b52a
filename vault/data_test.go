package vault

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"filippo.io/age"
)

// Issue 7: backup → forget one → restore: the erased customer stays erased
// and everyone else is back.
func TestRestoreReappliesErasures(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	var aliases []string
	for i := 0; i < 5; i++ {
		aliases = append(aliases, mustAdd(t, v, sampleCustomer(i)))
	}
	var backup bytes.Buffer
	if _, err := v.Backup(&backup); err != nil {
		t.Fatal(err)
	}
	// the backup is a plain age file to the owner holding a vault
	if _, err := age.Decrypt(bytes.NewReader(backup.Bytes()), f.owner); err != nil {
		t.Fatalf("backup does not open with age: %v", err)
	}
	if _, err := v.Forget(aliases[2]); err != nil {
		t.Fatal(err)
	}
	later := mustAdd(t, v, sampleCustomer(9))
	res, err := v.Restore(bytes.NewReader(backup.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if res.Reapplied != 1 || res.Customers != 4 {
		t.Fatalf("restore: %+v", res)
	}
	var nf *NotFoundError
	if _, err := v.Show(aliases[2], nil); !errors.As(err, &nf) || nf.Reason != "erased" {
		t.Fatalf("erased customer after restore: %v", err)
	}
	for _, i := range []int{0, 1, 3, 4} {
		if _, err := v.Show(aliases[i], nil); err != nil {
			t.Fatalf("customer %d after restore: %v", i, err)
		}
	}
	if _, err := v.Show(later, nil); !errors.As(err, &nf) {
		t.Fatalf("a customer added after the backup should be gone: %v", err)
	}
	if _, err := v.Check(false); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Restore(strings.NewReader("not a backup")); err == nil {
		t.Fatal("restored garbage")
	}
	must(t, v.Close())
}

func TestImportFormatsAndDuplicates(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	defer func() { must(t, v.Close()) }()
	csv := "name,email,phone,country,consent,created\n" +
		"Ann One,ann@example.com,+44 20 7946 0001,GB,marketing,2021-01-01\n" +
		"Ann Again,ANN@example.com,,GB,,\n" + // duplicate email
		"Bob Two,,+44 20 7946 0002,GB,,\n" +
		"Bob Two,,+44 20 7946 0002,GB,,\n" + // same phone and name
		"Cat Three,,+44 20 7946 0002,GB,,\n" + // household: same phone, other name
		"Bad Card,,,GB,,\n"
	csv = strings.Replace(csv, "Bad Card,,,GB,,", "Bad Card,x@example.com,,GB,,2021-13-01", 1)
	rows, err := NewRowReader(strings.NewReader(csv), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var problems []ImportProblem
	res, err := v.Import(rows, ImportOptions{Report: func(p ImportProblem) { problems = append(problems, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 3 || res.Duplicates != 2 || res.Refused != 1 || res.Format != FormatNative {
		t.Fatalf("import: %+v %+v", res, problems)
	}
	got, _ := v.List(ListFilter{Consent: "marketing"})
	if len(got) != 1 || got[0].Created.Year() != 2021 {
		t.Fatalf("consent/created: %+v", got)
	}
	// vCard
	vcf := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Chinedu\r\n  Eze\r\nTEL:+234 803 999 0000\r\nADR:;;7 Allen Avenue;Ikeja;Lagos;100271;NG\r\nEND:VCARD\r\n"
	rows, err = NewRowReader(strings.NewReader(vcf), "", nil)
	if err != nil || rows.Format() != FormatVCard {
		t.Fatalf("vcard detect: %v", err)
	}
	row, err := rows.Next()
	if err != nil || row.Fields["name"] != "Chinedu Eze" || row.Fields["city"] != "Ikeja" || row.Fields["country"] != "NG" {
		t.Fatalf("vcard row: %+v %v", row, err)
	}
	// header detection
	for hdr, want := range map[string]ImportFormat{
		"First Name,Last Name,Email,Accepts Email Marketing,Address1,City,Province Code,Country Code,Zip,Phone": FormatShopify,
		"first_name,last_name,email,billing_address_1,billing_city,billing_country":                             FormatWooCommerce,
		"name,email,phone": FormatNative, "foo,bar": "",
	} {
		if got := DetectFormat(strings.Split(hdr, ",")); got != want {
			t.Errorf("DetectFormat(%s) = %q, want %q", hdr, got, want)
		}
	}
	if _, err := NewRowReader(strings.NewReader("foo,bar\n1,2\n"), "", nil); err == nil {
		t.Fatal("unknown header accepted")
	}
	var in *InputError
	if _, err := NewRowReader(strings.NewReader("name,email\n"), "excel", nil); !errors.Is(err, ErrUnknownFormat) || !errors.As(err, &in) {
		t.Fatalf("unknown format name: %v, want an InputError that is ErrUnknownFormat", err)
	}
	m, err := ParseMapping("Full Name=name,Mobile=phone")
	if err != nil || m["full name"] != "name" {
		t.Fatalf("mapping: %v %v", m, err)
	}
	if _, err := ParseMapping("x=iban"); err == nil {
		t.Fatal("bad mapping accepted")
	}
}

func TestDedupeKeepsBothAliases(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	defer func() { must(t, v.Close()) }()
	a := mustAdd(t, v, NewCustomer{Fields: map[string]string{"name": "Ann One", "email": "ann@example.com"}})
	b := mustAdd(t, v, NewCustomer{Fields: map[string]string{"name": "Ann One", "email": "ANN@example.com", "phone": "+44 20 7946 0001"}, AllowDuplicate: true})
	pairs, err := v.FindDuplicates()
	if err != nil || len(pairs) != 1 {
		t.Fatalf("find duplicates: %v %v", pairs, err)
	}
	if _, err := v.Dedupe(); err != nil {
		t.Fatal(err)
	}
	ca, err := v.Show(a, nil)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := v.Show(b, nil)
	if err != nil || cb.Alias != ca.Alias || ca.Fields["phone"] != "+442079460001" {
		t.Fatalf("after dedupe: %+v %+v %v", ca, cb, err)
	}
	if res, err := v.Check(false); err != nil || res.Records != 1 {
		t.Fatalf("check: %+v %v", res, err)
	}
}

func FuzzImportRows(f *testing.F) {
	f.Add("name,email,phone,country\nAnn,ann@example.com,+44 20 7946 0001,GB\n")
	f.Add("BEGIN:VCARD\nFN:A\nTEL:+2348039990000\nEND:VCARD\n")
	f.Add("First Name,Last Name,Email,Accepts Email Marketing\n\"x,\"\"y\",z,a@b.co,yes\n")
	f.Fuzz(func(t *testing.T, s string) {
		rows, err := NewRowReader(strings.NewReader(s), "", nil)
		if err != nil {
			return
		}
		for i := 0; i < 1000; i++ {
			row, err := rows.Next()
			if err != nil {
				return
			}
			_, _ = PrepareCustomer(NewCustomer{Fields: row.Fields, Consent: row.Consent}) // only a panic fails: a row may be refused
		}
	})
}

// FuzzBackupReader: restore reads files from a USB stick; whatever bytes it
// gets, it refuses cleanly and writes no vault.
func FuzzBackupReader(f *testing.F) {
	owner, _ := age.GenerateX25519Identity()
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, owner.Recipient())
	if err == nil {
		_, err = w.Write([]byte("not a bbolt file"))
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("age-encryption.org/v1\n-> X25519 abc\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		path := t.TempDir() + "/v.db"
		opts := Options{Rand: newSeeded(1), Identities: []age.Identity{owner}, StateDir: t.TempDir()}
		err := RestoreFresh(path, bytes.NewReader(data), opts)
		if err == nil {
			t.Fatal("restored a vault from fuzz input")
		}
		if _, statErr := os.Stat(path); statErr == nil {
			t.Fatal("a refused restore left a vault behind")
		}
	})
}

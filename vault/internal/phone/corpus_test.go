package phone

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// corpusCase is one number as typed and its default region.
type corpusCase struct{ number, region string }

// corpus is the compatibility corpus: the synthetic customers' phones in
// testdata, and for every region numbers written every way people write
// them (national with and without the trunk prefix, +CC, 00 and the
// region's own international prefix, punctuation, extensions, letters,
// other scripts' digits, lengths from 1 to 20 digits) and edge cases.
func corpus(t testing.TB) []corpusCase {
	t.Helper()
	var cs []corpusCase
	f, err := os.Open("testdata/customers-phones.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read only: nothing to lose
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		number, region, _ := strings.Cut(line, "\t")
		cs = append(cs, corpusCase{number, region}, corpusCase{number, ""}, corpusCase{number, "GB"})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}

	rng := rand.New(rand.NewPCG(16, 64))
	digits := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		return b.String()
	}
	separators := []string{"", " ", "-", ".", " - ", "/"}
	spaced := func(s string) string {
		var b strings.Builder
		sep := separators[rng.IntN(len(separators))]
		for i, c := range s {
			if i > 0 && i%3 == 0 {
				b.WriteString(sep)
			}
			b.WriteRune(c)
		}
		return b.String()
	}
	for i := range regions {
		r := regions[i]
		region := r.id
		if region == nonGeoRegion {
			region = ""
		}
		cc := fmt.Sprint(r.callingCode)
		for k := range 30 {
			n := 1 + rng.IntN(20)
			if k < 20 && len(r.lengths) > 0 && r.lengths[0] > 0 {
				n = int(r.lengths[rng.IntN(len(r.lengths))]) + rng.IntN(3) - 1
			}
			d := digits(max(n, 1))
			for _, form := range []string{
				d, "0" + d, spaced(d), "+" + cc + d, "+" + cc + " " + spaced(d), "00" + cc + d,
				"011" + cc + d, cc + d, "+" + cc + "0" + d, "(" + d[:min(3, len(d))] + ") " + d[min(3, len(d)):],
			} {
				cs = append(cs, corpusCase{form, region})
			}
			if k%5 == 0 {
				cs = append(cs,
					corpusCase{"+" + cc + d + " ext. 12", region},
					corpusCase{d + " x3", region},
					corpusCase{"tel:" + d + ";phone-context=+" + cc, region},
					corpusCase{"\uFF0B" + cc + d, region},
					corpusCase{toFullWidth("+" + cc + d), region},
					corpusCase{toArabicIndic(d), region},
				)
			}
		}
	}
	for _, e := range []string{
		"", " ", "+", "++", "00", "0", "1", "12", "+1", "+12", "+123", "+0 123 4567", "+999 1234567", "+800 1234 5678",
		"+882 1234 5678", "+883 5100 1234", "+979 123 456 789", "1-800-FLOWERS", "0800 FLOWERS", "+44 (0) 20 7946 0958",
		"0044 20 7946 0958", "020 7946 0958 #123", "(530) 583-6985 x302/x2303", "+1 650 253 0000;ext=123",
		"tel:+1-650-253-0000;phone-context=example.com", "tel:253-0000;phone-context=+1-650", ";phone-context=+44",
		"tel:1234;phone-context=", "+49 30 1234567 доб 5", "+55 11 91234-5678 anexo 12", "+39 06 1234 5678",
		"06 1234 5678", "+39 0000 0000", "+39 00", "call me maybe", "٠٨٠٣٥٥٥٠١٠١", "۰۸۰۳۵۵۵۰۱۰۱", "०८०३५५५०१०१",
		"+234 803 555 0101", "0803 555 0101", "+2348035550101", "2348035550101", "08035550101", "803 555 0101",
		"+7 800 555 35 35", "8 800 555 35 35", "+61 4 1234 5678", "0011 61 4 1234 5678", "+86 138 0013 8000",
		"+52 1 55 1234 5678", "044 55 1234 5678", "+54 9 11 1234 5678", "011 15 1234 5678", "+1 (415) 555-0136",
		"+44 7700 900123,,45", "+44 7700 900123;45", strings.Repeat("1", 251), strings.Repeat("9", 30), "+" + strings.Repeat("9", 30),
		"x", "xxx123", "12-34", "1 2 3", "abc 123 def 456", "+49 (0)30 123456-78", "+49-30-123456/78",
	} {
		for _, region := range []string{"", "NG", "US", "GB", "DE", "IT", "AR", "MX", "AU", "RU", "BR", "ZZ", "001", "XX"} {
			cs = append(cs, corpusCase{e, region})
		}
	}
	return cs
}

func toFullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9':
			return '\uFF10' + (r - '0')
		case r == '+':
			return '\uFF0B'
		}
		return r
	}, s)
}

func toArabicIndic(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '\u0660' + (r - '0')
		}
		return r
	}, s)
}

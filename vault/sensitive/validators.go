package sensitive

import (
	"strconv"
	"strings"
	"time"
)

// luhn is the mod-10 check of payment cards, IMEIs and South African IDs.
func luhn(digits string) bool {
	sum, double := 0, false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// cardBrand is one issuer's prefix ranges (inclusive, compared on as many
// leading digits as the bounds have) and the lengths its numbers come in.
type cardBrand struct {
	name    string
	ranges  [][2]int
	lengths []int
}

// cardBrands follows the issuers' published IIN ranges. Brands whose
// numbers share lengths with common non-card numbers (UATP's 15 digits
// starting 1, like many IMEIs) are left out on purpose.
var cardBrands = []cardBrand{
	{"visa", [][2]int{{4, 4}}, []int{13, 16, 19}},
	{"mastercard", [][2]int{{51, 55}, {2221, 2720}}, []int{16}},
	{"amex", [][2]int{{34, 34}, {37, 37}}, []int{15}},
	{"discover", [][2]int{{6011, 6011}, {644, 649}, {65, 65}, {622126, 622925}}, []int{16, 17, 18, 19}},
	{"jcb", [][2]int{{3528, 3589}}, []int{16, 17, 18, 19}},
	{"diners", [][2]int{{300, 305}, {36, 36}, {38, 39}}, []int{14, 15, 16, 17, 18, 19}},
	{"unionpay", [][2]int{{62, 62}, {81, 81}}, []int{16, 17, 18, 19}},
	{"maestro", [][2]int{{5018, 5018}, {5020, 5020}, {5038, 5038}, {5893, 5893}, {6304, 6304}, {6759, 6759}, {6761, 6763}}, []int{13, 14, 15, 16, 17, 18, 19}},
	{"mir", [][2]int{{2200, 2204}}, []int{16, 17, 18, 19}},
	{"verve", [][2]int{{506099, 506198}, {650002, 650027}, {507865, 507964}}, []int{16, 18, 19}},
	{"rupay", [][2]int{{60, 60}, {65, 65}, {81, 82}, {508, 508}, {353, 353}, {356, 356}}, []int{16}},
	{"troy", [][2]int{{9792, 9792}}, []int{16}},
	{"elo", [][2]int{{4011, 4011}, {4312, 4312}, {4389, 4389}, {4514, 4514}, {4576, 4576}, {5041, 5041}, {5066, 5067}, {509, 509}, {6277, 6277}, {6362, 6363}, {650, 650}, {6516, 6516}, {6550, 6550}}, []int{16}},
	{"hipercard", [][2]int{{606282, 606282}, {3841, 3841}}, []int{16, 19}},
	{"dankort", [][2]int{{5019, 5019}}, []int{16}},
}

// isCardNumber: Luhn-valid with the length of a brand whose prefix it has.
func isCardNumber(digits string) bool {
	if len(digits) < 13 || len(digits) > 19 || !luhn(digits) {
		return false
	}
	for _, b := range cardBrands {
		if !hasInt(b.lengths, len(digits)) {
			continue
		}
		for _, r := range b.ranges {
			w := len(strconv.Itoa(r[0]))
			p, _ := strconv.Atoi(digits[:w])
			if p >= r[0] && p <= r[1] {
				return true
			}
		}
	}
	return false
}

func hasInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// isSSN applies the Social Security Administration's rules: area not 000,
// 666 or 900-999; group not 00; serial not 0000 (so the advertising range 987-65-432x fails too).
func isSSN(d string) bool {
	if len(d) != 9 {
		return false
	}
	area := d[:3]
	return area != "000" && area != "666" && area[0] != '9' && d[3:5] != "00" && d[5:] != "0000"
}

// isNINOPrefix applies HMRC's rules for the two letters of a National
// Insurance number.
func isNINOPrefix(p string) bool {
	if len(p) != 2 || strings.ContainsRune("dfiquv", rune(p[0])) || strings.ContainsRune("dfioquv", rune(p[1])) {
		return false
	}
	switch p {
	case "bg", "gb", "kn", "nk", "nt", "tn", "zz":
		return false
	}
	return true
}

var verhoeffD = [10][10]byte{
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5}, {2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
	{3, 4, 0, 1, 2, 8, 9, 5, 6, 7}, {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
	{6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3}, {8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
	{9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
}

var verhoeffP = [8][10]byte{
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4}, {5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
	{8, 9, 1, 6, 0, 4, 3, 5, 2, 7}, {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
	{2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8},
}

func verhoeff(digits string) bool {
	c := byte(0)
	for i := 0; i < len(digits); i++ {
		c = verhoeffD[c][verhoeffP[i%8][digits[len(digits)-1-i]-'0']]
	}
	return c == 0
}

// isAadhaar: 12 digits, not starting 0 or 1, Verhoeff check digit.
func isAadhaar(d string) bool {
	return len(d) == 12 && d[0] >= '2' && verhoeff(d)
}

// isZAID: YYMMDD birth date, gender digits, citizenship 0 or 1, the old
// race digit (8 or 9 today), and a Luhn check digit.
func isZAID(d string) bool {
	if len(d) != 13 || (d[10] != '0' && d[10] != '1') || !luhn(d) {
		return false
	}
	_, err := time.Parse("060102", d[:6])
	return err == nil
}

// isCPF checks a Brazilian CPF's two mod-11 check digits.
func isCPF(d string) bool {
	if len(d) != 11 || strings.Count(d, d[:1]) == 11 {
		return false
	}
	for n := 9; n <= 10; n++ {
		sum := 0
		for i := 0; i < n; i++ {
			sum += int(d[i]-'0') * (n + 1 - i)
		}
		c := sum * 10 % 11 % 10
		if c != int(d[n]-'0') {
			return false
		}
	}
	return true
}

// isABARouting checks a US bank routing number's weighted checksum.
func isABARouting(d string) bool {
	if len(d) != 9 {
		return false
	}
	w := [9]int{3, 7, 1, 3, 7, 1, 3, 7, 1}
	sum := 0
	for i := range 9 {
		sum += int(d[i]-'0') * w[i]
	}
	return sum%10 == 0 && sum > 0
}

// isDNI checks a Spanish DNI/NIE check letter (mod 23).
func isDNI(body string, letter byte) bool {
	const letters = "trwagmyfpdxbnjzsqvhlcke"
	switch body[0] {
	case 'x':
		body = "0" + body[1:]
	case 'y':
		body = "1" + body[1:]
	case 'z':
		body = "2" + body[1:]
	}
	n, err := strconv.Atoi(body)
	return err == nil && letters[n%23] == letter
}

// ibanLengths is each IBAN country's total length (SWIFT's IBAN registry).
var ibanLengths = map[string]int{
	"ad": 24, "ae": 23, "al": 28, "at": 20, "az": 28, "ba": 20, "be": 16, "bg": 22, "bh": 22, "br": 29,
	"by": 28, "ch": 21, "cr": 22, "cy": 28, "cz": 24, "de": 22, "dk": 18, "do": 28, "ee": 20, "eg": 29,
	"es": 24, "fi": 18, "fo": 18, "fr": 27, "gb": 22, "ge": 22, "gi": 23, "gl": 18, "gr": 27, "gt": 28,
	"hr": 21, "hu": 28, "ie": 22, "il": 23, "iq": 23, "is": 26, "it": 27, "jo": 30, "kw": 30, "kz": 20,
	"lb": 28, "lc": 32, "li": 21, "lt": 20, "lu": 20, "lv": 21, "ly": 25, "mc": 27, "md": 24, "me": 22,
	"mk": 19, "mr": 27, "mt": 31, "mu": 30, "nl": 18, "no": 15, "pk": 24, "pl": 28, "ps": 29, "pt": 25,
	"qa": 29, "ro": 24, "rs": 22, "sa": 24, "sc": 31, "sd": 18, "se": 24, "si": 19, "sk": 24, "sm": 27,
	"st": 25, "sv": 28, "tl": 23, "tn": 24, "tr": 26, "ua": 29, "va": 22, "vg": 24, "xk": 20,
	"bi": 27, "dj": 27, "fk": 18, "mn": 20, "ni": 28, "om": 23, "ru": 33, "so": 23, "ye": 30,
}

// isIBAN: known country, its length, and the ISO 7064 mod-97 check.
func isIBAN(s string) bool {
	if len(s) < 15 || ibanLengths[s[:2]] != len(s) || !isDigit(s[2]) || !isDigit(s[3]) {
		return false
	}
	rem := 0
	for _, c := range s[4:] + s[:4] {
		switch {
		case c >= '0' && c <= '9':
			rem = (rem*10 + int(c-'0')) % 97
		case c >= 'a' && c <= 'z':
			rem = (rem*100 + int(c-'a'+10)) % 97
		default:
			return false
		}
	}
	return rem == 1
}

// Package phone turns a phone number as typed into E.164, following
// libphonenumber's parsing rules exactly (blind-index tokens are computed
// from the E.164 form, so it must never change for a number already
// stored). The rules' data is generated from the nyaruka/phonenumbers
// module (go generate); the code is this project's own and does no work at
// start-up: the lookup tables and regular expressions are built on first
// use.
package phone

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

//go:generate go run ./gen -o data_gen.go

// Errors E164 returns, one per reason a number is refused.
var (
	// ErrNotANumber means the text holds no phone number.
	ErrNotANumber = errors.New("not a phone number")
	// ErrCallingCode means the country calling code is unknown, or no
	// default region was given for a national number.
	ErrCallingCode = errors.New("unknown country calling code")
	// ErrTooShort means too few digits remain for a national number.
	ErrTooShort = errors.New("too short to be a phone number")
	// ErrTooLong means the text or the national number is too long.
	ErrTooLong = errors.New("too long to be a phone number")
	// ErrImpossible means the number's length is impossible for its
	// country.
	ErrImpossible = errors.New("not a possible number for its country")
)

const (
	minNationalLength = 2
	maxNationalLength = 17
	maxCallingCodeLen = 3
	maxInputLength    = 250
	plusChars         = "+\uFF0B"
	digitClass        = `\p{Nd}`
	validAlpha        = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	// validPunctuation is the class body of characters allowed between
	// digits: dashes, spaces, dots, slashes, brackets, tildes and 'x'
	// (a carrier-code placeholder), with full-width forms.
	validPunctuation = "-x\u2010-\u2015\u2212\u30FC\uFF0D-\uFF0F \u00A0\u00AD\u200B\u2060\u3000()\uFF08\uFF09\uFF3B\uFF3D.\\[\\]/~\u2053\u223C\uFF5E"
	nonGeoRegion     = "001"

	rfc3966Prefix        = "tel:"
	rfc3966PhoneContext  = ";phone-context="
	rfc3966IsdnSubaddr   = ";isub="
	rfc3966ExtensionMark = ";ext="
)

// E164 parses number with defaultRegion (ISO 3166 code, upper case) as
// the region for national formats and returns it as E.164 ("+" and
// digits). It accepts a number whose length is possible for its country;
// it does not check that the range is assigned.
func E164(number, defaultRegion string) (string, error) {
	p, err := parse(number, defaultRegion)
	if err != nil {
		return "", err
	}
	if !possible(p) {
		return "", ErrImpossible
	}
	return "+" + strconv.Itoa(p.callingCode) + p.nationalSignificant(), nil
}

// CallingCode returns the country calling code of region, or 0 if the
// region is unknown.
func CallingCode(region string) int {
	if r := tables().byRegion[region]; r != nil {
		return r.callingCode
	}
	return 0
}

// number is a parsed phone number.
type number struct {
	callingCode  int
	national     uint64
	leadingZeros int // zeros before national that belong to the number (Italy)
}

func (n number) nationalSignificant() string {
	return strings.Repeat("0", n.leadingZeros) + strconv.FormatUint(n.national, 10)
}

// callingCode is a country calling code and its regions (see data_gen.go).
type callingCode struct {
	code    int
	regions string
}

// region is one region's parsing rules (see data_gen.go).
type region struct {
	id                          string
	callingCode                 int
	internationalPrefix         string
	nationalPrefixForParsing    string
	nationalPrefixTransformRule string
	pattern                     string
	lengths, localLengths       []int8
}

type lookup struct {
	regionsOf map[int][]string   // calling code → regions, main first
	byRegion  map[string]*region // geographic regions
	nonGeo    map[int]*region    // non-geographic entities by calling code
}

// tables is built once, on the first number parsed.
var tables = sync.OnceValue(func() *lookup {
	l := &lookup{regionsOf: map[int][]string{}, byRegion: map[string]*region{}, nonGeo: map[int]*region{}}
	for _, c := range callingCodes {
		l.regionsOf[c.code] = strings.Fields(c.regions)
	}
	for i := range regions {
		r := &regions[i]
		if r.id == nonGeoRegion {
			l.nonGeo[r.callingCode] = r
		} else {
			l.byRegion[r.id] = r
		}
	}
	return l
})

// regionFor returns the rules for a calling code as seen from regionID
// (the main region's, or the non-geographic entity's).
func (l *lookup) regionFor(code int, regionID string) *region {
	if regionID == nonGeoRegion {
		if _, ok := l.regionsOf[code]; !ok {
			return nil
		}
		return l.nonGeo[code]
	}
	return l.byRegion[regionID]
}

func (l *lookup) mainRegion(code int) string {
	if rs := l.regionsOf[code]; len(rs) > 0 {
		return rs[0]
	}
	return "ZZ"
}

// compiled caches the regular expressions of the generated rules; each is
// compiled the first time a number needs it.
var compiled sync.Map // pattern → *regexp.Regexp

func re(pattern string) *regexp.Regexp {
	if r, ok := compiled.Load(pattern); ok {
		return r.(*regexp.Regexp)
	}
	r, _ := compiled.LoadOrStore(pattern, regexp.MustCompile(pattern))
	return r.(*regexp.Regexp)
}

// parse follows libphonenumber's parseHelper for the fields E.164 needs.
func parse(input, defaultRegion string) (number, error) {
	var n number
	if input == "" {
		return n, ErrNotANumber
	}
	if len(input) > maxInputLength {
		return n, ErrTooLong
	}
	l := tables()
	national, err := nationalForParsing(input)
	if err != nil {
		return n, err
	}
	if !viable(national) {
		return n, ErrNotANumber
	}
	if l.byRegion[defaultRegion] == nil && (national == "" || !strings.ContainsAny(national, plusChars)) {
		return n, ErrCallingCode
	}
	national = stripExtension(national)
	meta := l.byRegion[defaultRegion]

	code, normalized, err := extractCallingCode(l, national, meta)
	if err != nil {
		// A plus sign followed by an unknown code: try once more without it.
		loc := re("[" + plusChars + "]+").FindStringIndex(national)
		if !errors.Is(err, ErrCallingCode) || loc == nil {
			return n, err
		}
		code, normalized, err = extractCallingCode(l, national[loc[1]:], meta)
		if err != nil {
			return n, err
		}
		if code == 0 {
			return n, ErrCallingCode
		}
	}
	if code != 0 {
		if main := l.mainRegion(code); main != defaultRegion {
			meta = l.regionFor(code, main)
		}
	} else {
		normalized = normalize(national)
		if meta != nil {
			code = meta.callingCode
		}
	}
	if len(normalized) < minNationalLength {
		return n, ErrTooShort
	}
	if meta != nil {
		stripped, _ := stripNationalPrefix(normalized, meta)
		// Keep the stripped form only if what remains has a possible
		// length: otherwise the original may be a valid short number.
		switch lengthCheck(stripped, meta) {
		case tooShort, possibleLocalOnly, invalidLength:
		default:
			normalized = stripped
		}
	}
	if len(normalized) < minNationalLength {
		return n, ErrTooShort
	}
	if len(normalized) > maxNationalLength {
		return n, ErrTooLong
	}
	n.callingCode = code
	if len(normalized) > 1 && normalized[0] == '0' {
		n.leadingZeros = 1
		// An all-zero number keeps its last zero as the number itself.
		for n.leadingZeros < len(normalized)-1 && normalized[n.leadingZeros] == '0' {
			n.leadingZeros++
		}
	}
	n.national, _ = strconv.ParseUint(normalized, 10, 64)
	return n, nil
}

// nationalForParsing takes the number out of RFC 3966 form ("tel:…;
// phone-context=…") or out of surrounding text.
func nationalForParsing(input string) (string, error) {
	var national string
	ctxAt := strings.Index(input, rfc3966PhoneContext)
	if ctxAt >= 0 {
		ctx := phoneContext(input, ctxAt)
		if !validPhoneContext(ctx) {
			return "", ErrNotANumber
		}
	}
	if ctxAt > 0 {
		ctx := phoneContext(input, ctxAt)
		if ctx[0] == '+' {
			national = ctx
		}
		start := 0
		if tel := strings.Index(input, rfc3966Prefix); tel >= 0 && tel < ctxAt {
			start = tel + len(rfc3966Prefix)
		}
		national += input[start:ctxAt]
	} else {
		national = possibleNumber(input)
	}
	if i := strings.Index(national, rfc3966IsdnSubaddr); i > 0 {
		national = national[:i]
	}
	return national, nil
}

func phoneContext(input string, at int) string {
	start := at + len(rfc3966PhoneContext)
	if start >= len(input) {
		return ""
	}
	if end := strings.IndexByte(input[start:], ';'); end >= 0 {
		return input[start : start+end]
	}
	return input[start:]
}

func validPhoneContext(ctx string) bool {
	if ctx == "" {
		return false
	}
	const visualSep = `[\-\.\(\)]?`
	const phoneDigit = "(" + digitClass + "|" + visualSep + ")"
	const alnum = validAlpha + digitClass
	const domainLabel = "[" + alnum + "]+((\\-)*[" + alnum + "])*"
	const topLabel = "[" + validAlpha + "]+((\\-)*[" + alnum + "])*"
	return re(`^\+`+phoneDigit+"*"+digitClass+phoneDigit+"*$").MatchString(ctx) ||
		re("^("+domainLabel+"\\.)*"+topLabel+"\\.?$").MatchString(ctx)
}

// possibleNumber drops what cannot start a number, trailing characters
// that are neither letters nor digits (except #), and a second number
// ("x302/x2303").
func possibleNumber(s string) string {
	loc := re("[" + plusChars + digitClass + "]").FindStringIndex(s)
	if loc == nil {
		return ""
	}
	s = s[loc[0]:]
	if end := re(`[[\P{N}&&\P{L}]&&[^#]]+$`).FindStringIndex(s); end != nil {
		s = s[:end[0]]
	}
	if second := re(`[\\/] *x`).FindStringIndex(s); second != nil {
		s = s[:second[0]]
	}
	return s
}

// extension patterns: RFC 3966 ";ext=", explicit labels ("ext", "доб",
// "anexo"), single-character or ambiguous labels, a trailing "#", and the
// auto-dialling forms ",," and ";".
func extensionPattern() string {
	const sepBeforeLabel = "[ \u00A0\\t,]*"
	const afterLabel = "[:\\.\uFF0E]?[ \u00A0\\t,-]*"
	const suffix = "#?"
	const explicit = "(?:e?xt(?:ensi(?:o\u0301?|\u00F3))?n?|\uFF45?\uFF58\uFF54\uFF4E?|\u0434\u043E\u0431|anexo)"
	const ambiguous = "(?:[x\uFF58#\uFF03~\uFF5E]|int|\uFF49\uFF4E\uFF54)"
	const sepNoComma = "[ \u00A0\\t]*"
	return rfc3966ExtensionMark + "(" + digitClass + "{1,20})" + "|" +
		sepBeforeLabel + explicit + afterLabel + "(" + digitClass + "{1,20})" + suffix + "|" +
		sepBeforeLabel + ambiguous + afterLabel + "(" + digitClass + "{1,9})" + suffix + "|" +
		"[- ]+(" + digitClass + "{1,6})#" + "|" +
		sepNoComma + "(?:,{2}|;)" + afterLabel + "(" + digitClass + "{1,15})" + suffix + "|" +
		sepNoComma + "(?:,)+" + afterLabel + "(" + digitClass + "{1,9})" + suffix
}

// viable reports whether s looks like a phone number at all: two digits,
// or three or more digits among punctuation, letters and an extension.
func viable(s string) bool {
	if len(s) < minNationalLength {
		return false
	}
	number := digitClass + "{2}|[" + plusChars + "]*(?:[" + validPunctuation + "*]*" + digitClass + "){3,}[" +
		validPunctuation + "*" + validAlpha + digitClass + "]*"
	return re("(?i)^(" + number + "(?:" + extensionPattern() + ")?)$").MatchString(s)
}

// stripExtension removes an extension, which E.164 does not carry.
func stripExtension(s string) string {
	// Every extension marker is a character outside digits and plain
	// number punctuation: skip the pattern for a plain number.
	if strings.Trim(s, "0123456789 +-()./") == "" {
		return s
	}
	ext := re("(?i)(?:" + extensionPattern() + ")$")
	loc := ext.FindStringIndex(s)
	if loc == nil || !viable(s[:loc[0]]) {
		return s
	}
	for _, digits := range ext.FindStringSubmatch(s)[1:] {
		if digits != "" {
			return s[:loc[0]]
		}
	}
	return s
}

// extractCallingCode finds the calling code: after a plus sign, after
// the default region's international prefix, or at the start of a number
// that is only possible for the default region without it. It returns 0
// and nothing when the number is national.
func extractCallingCode(l *lookup, s string, meta *region) (int, string, error) {
	if s == "" {
		return 0, "", nil
	}
	idd := "NonMatch" // matches nothing a number holds
	if meta != nil {
		idd = meta.internationalPrefix
	}
	full, international := stripInternationalPrefix(s, idd)
	if international {
		if len(full) <= minNationalLength {
			return 0, "", ErrTooShort
		}
		if code, rest := leadingCallingCode(l, full); code != 0 {
			return code, rest, nil
		}
		return 0, "", ErrCallingCode
	}
	if meta != nil {
		cc := strconv.Itoa(meta.callingCode)
		if strings.HasPrefix(full, cc) {
			rest, _ := stripNationalPrefix(full[len(cc):], meta)
			valid := re("^(?:" + meta.pattern + ")$")
			if (!valid.MatchString(full) && valid.MatchString(rest)) || lengthCheck(full, meta) == tooLong {
				return meta.callingCode, rest, nil
			}
		}
	}
	return 0, "", nil
}

// leadingCallingCode splits a known calling code off the front of digits.
func leadingCallingCode(l *lookup, digits string) (int, string) {
	if digits == "" || digits[0] == '0' {
		return 0, ""
	}
	for i := 1; i <= maxCallingCodeLen && i <= len(digits); i++ {
		code, _ := strconv.Atoi(digits[:i])
		if _, ok := l.regionsOf[code]; ok {
			return code, digits[i:]
		}
	}
	return 0, ""
}

// stripInternationalPrefix removes leading plus signs or the
// international prefix (idd, a pattern) and normalises the rest; it
// reports whether either was there.
func stripInternationalPrefix(s, idd string) (string, bool) {
	if loc := re("[" + plusChars + "]+").FindStringIndex(s); loc != nil && loc[0] == 0 {
		return normalize(s[loc[1]:]), true
	}
	s = normalize(s)
	loc := re(idd).FindStringIndex(s)
	if loc == nil || loc[0] != 0 {
		return s, false
	}
	// Calling codes never start with 0, so "00" then "0" is no prefix.
	if d := re("(" + digitClass + ")").FindString(s[loc[1]:]); d != "" && digitsOnly(d) == "0" {
		return s, false
	}
	return s[loc[1]:], true
}

// stripNationalPrefix removes the national (trunk) prefix, applying the
// region's transform rule, unless that turns a number matching the
// region's pattern into one that does not.
func stripNationalPrefix(s string, meta *region) (string, bool) {
	if s == "" || meta.nationalPrefixForParsing == "" {
		return s, false
	}
	prefix := re("^(?:" + meta.nationalPrefixForParsing + ")")
	groups := prefix.FindStringSubmatchIndex(s)
	if groups == nil {
		return s, false
	}
	valid := re("^(?:" + meta.pattern + ")$")
	wasValid := valid.MatchString(s)
	last := len(groups)/2 - 1
	if meta.nationalPrefixTransformRule == "" || groups[last*2] < 0 {
		if wasValid && !valid.MatchString(s[groups[1]:]) {
			return s, false
		}
		return s[groups[1]:], true
	}
	transformed := prefix.ReplaceAllString(s, meta.nationalPrefixTransformRule)
	if wasValid && !valid.MatchString(transformed) {
		return s, false
	}
	return transformed, true
}

type lengthResult int

const (
	isPossible lengthResult = iota
	possibleLocalOnly
	tooShort
	tooLong
	invalidLength
)

// lengthCheck compares a national number's length with the region's
// possible lengths.
func lengthCheck(national string, meta *region) lengthResult {
	lengths := meta.lengths
	if len(lengths) == 0 || lengths[0] == -1 {
		return invalidLength
	}
	n := len(national)
	for _, l := range meta.localLengths {
		if int(l) == n {
			return possibleLocalOnly
		}
	}
	switch {
	case int(lengths[0]) == n:
		return isPossible
	case int(lengths[0]) > n:
		return tooShort
	case int(lengths[len(lengths)-1]) < n:
		return tooLong
	}
	for _, l := range lengths[1:] {
		if int(l) == n {
			return isPossible
		}
	}
	return invalidLength
}

// possible reports whether the number's length fits its country.
func possible(n number) bool {
	l := tables()
	if _, ok := l.regionsOf[n.callingCode]; !ok {
		return false
	}
	meta := l.regionFor(n.callingCode, l.mainRegion(n.callingCode))
	if meta == nil {
		return false
	}
	nsn := n.nationalSignificant()
	if meta.pattern == "" {
		return len(nsn) >= minNationalLength && len(nsn) <= maxNationalLength
	}
	r := lengthCheck(nsn, meta)
	return r == isPossible || r == possibleLocalOnly
}

// normalize keeps the digits of s (any script's decimal digits become
// ASCII where libphonenumber maps them); with three or more letters it is
// a vanity number and letters become keypad digits instead.
func normalize(s string) string {
	if re("^(?:.*?[A-Za-z]){3}.*$").MatchString(s) {
		var b strings.Builder
		for _, c := range s {
			if d, ok := keypad(unicode.ToUpper(c)); ok {
				b.WriteRune(d)
			}
		}
		return b.String()
	}
	return digitsOnly(s)
}

func keypad(c rune) (rune, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c, true
	case c >= 'A' && c <= 'Z':
		return rune("22233344455566677778889999"[c-'A']), true
	}
	return 0, false
}

// digitsOnly keeps decimal digits, mapping Arabic-Indic, Eastern
// Arabic-Indic and full-width ones to ASCII; other scripts' digits are kept
// as they are (and then fail to parse), as libphonenumber does.
func digitsOnly(s string) string {
	var b strings.Builder
	for _, c := range s {
		if !unicode.IsDigit(c) {
			continue
		}
		switch {
		case c >= '\u0660' && c <= '\u0669':
			c = '0' + (c - '\u0660')
		case c >= '\u06F0' && c <= '\u06F9':
			c = '0' + (c - '\u06F0')
		case c >= '\uFF10' && c <= '\uFF19':
			c = '0' + (c - '\uFF10')
		}
		b.WriteRune(c)
	}
	return b.String()
}

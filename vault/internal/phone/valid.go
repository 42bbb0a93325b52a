package phone

import (
	"strconv"
	"strings"
)

// ValidSomewhere reports whether digits, a number written without "+",
// read as a valid number of some region: after that region's national
// prefix, or after its calling code written without "+", they have a
// possible length and match the region's number pattern. It spots phone
// numbers in free text; it does not parse them (use E164 for that).
func ValidSomewhere(digits string) bool {
	if digits == "" || len(digits) > maxNationalLength+maxCallingCodeLen || strings.Trim(digits, "0123456789") != "" {
		return false
	}
	l := tables()
	for _, r := range l.byRegion {
		if validIn(digits, r) {
			return true
		}
	}
	return false
}

func validIn(digits string, r *region) bool {
	if r.pattern == "" {
		return false
	}
	valid := func(nsn string) bool {
		return lengthCheck(nsn, r) == isPossible && re("^(?:"+r.pattern+")$").MatchString(nsn)
	}
	if national, _ := stripNationalPrefix(digits, r); valid(national) {
		return true
	}
	if cc := strconv.Itoa(r.callingCode); strings.HasPrefix(digits, cc) {
		national, _ := stripNationalPrefix(digits[len(cc):], r)
		return valid(national)
	}
	return false
}

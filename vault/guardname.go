package vault

import (
	"errors"
	"strings"
	"unicode"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/text/unicode/norm"
)

// refuseCustomerName refuses plaintext metadata written about the customer
// of record id (field/value pairs) that holds every word of the customer's
// name, in any order, ignoring case and accents. Names are not detectable
// in general, but a command acting on one customer knows theirs. It reads
// the name only when this session holds its key anyway; otherwise it
// checks nothing. The error never repeats the text or the name.
func (v *Vault) refuseCustomerName(tx *bolt.Tx, id recordID, m *recordMeta, pairs ...string) error {
	texts := false
	for i := 1; i < len(pairs); i += 2 {
		texts = texts || strings.TrimSpace(pairs[i]) != ""
	}
	if !texts || !m.hasField("name") {
		return nil
	}
	if err := v.need(tx, FieldGroup["name"]); err != nil {
		var nr *NeedRoleError
		if errors.As(err, &nr) {
			return nil
		}
		return err
	}
	vals, err := v.readFields(tx, id, m, []string{"name"})
	if err != nil {
		return err
	}
	name := nameWords(vals["name"])
	if len(name) == 0 || (len(name) == 1 && len([]rune(name[0])) < 3) {
		return nil // one short word would match ordinary text
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if containsAll(nameWords(pairs[i+1]), name) {
			return &InputError{Field: pairs[i], Category: "customer_name",
				Reason: "names the customer; " + pairs[i] + " is kept in plaintext and outlives forget, so it must not hold the customer's details",
				Hint:   "nothing was written; describe it without the customer's details, e.g. 'customer asked by phone' or 'dispute on ORD-5000'"}
		}
	}
	return nil
}

// nameWords splits text into words of letters, lower case, accents
// dropped, initials left out ("Zoë J. O'Neil" is zoe, neil).
func nameWords(s string) []string {
	var words []string
	var w strings.Builder
	flush := func() {
		if w.Len() > 0 {
			words = append(words, w.String())
			w.Reset()
		}
	}
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r):
			w.WriteRune(unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
	out := words[:0]
	for _, w := range words {
		if len([]rune(w)) >= 2 {
			out = append(out, w)
		}
	}
	return out
}

func containsAll(text, name []string) bool {
	have := map[string]bool{}
	for _, w := range text {
		have[w] = true
	}
	for _, w := range name {
		if !have[w] {
			return false
		}
	}
	return true
}

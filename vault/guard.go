package vault

import (
	"slices"
	"strings"

	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault/sensitive"
)

// refuseSensitive refuses data the vault does not keep (payment cards, bank
// details, national IDs, passports, passwords) in one customer field or
// metadata value. The error names the field and the category, never the
// value (issue 14).
func refuseSensitive(field, val string) error {
	found := sensitive.CategoriesOf(sensitive.Detect(val, field))
	if len(found) == 0 {
		return nil
	}
	// Name them in the README's order (cards first), not the text's.
	slices.SortFunc(found, func(a, b sensitive.Category) int {
		return slices.Index(sensitive.Categories, a) - slices.Index(sensitive.Categories, b)
	})
	var what, kinds, codes []string
	for _, c := range found {
		what = append(what, c.Describe())
		codes = append(codes, string(c))
		if k := keptNot(c); !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	return &InputError{Field: field, Category: strings.Join(codes, ","),
		Reason: "looks like " + words.Join(what, "and") + "; shopvault does not keep " + words.Join(kinds, "or"),
		Hint:   "nothing was written; take it out of " + field + " and try again (README: \"What shopvault refuses to keep\")"}
}

// CheckMetadata refuses what a value the vault keeps in plaintext about a
// customer (order refs, courier names, hold reasons, alias notes,
// --reason) must not hold: sensitive data, as in customer fields, and the
// customer's contact details. name is what the user typed it as ("ref",
// "reason").
func CheckMetadata(name, val string) error {
	return checkCustomerMetadata(name, val)
}

// checkMetadata checks several plaintext values that are not about a
// customer (settings, people's labels), in the order given: the guard of
// customer fields. The shop's own contact details belong there.
func checkMetadata(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := refuseSensitive(pairs[i], pairs[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// checkCustomerMetadata checks plaintext values written about a customer,
// in the order given. Besides what checkMetadata refuses, they must not
// hold an email address or a phone number: plaintext metadata is shown to
// every role and outlives forget, so it must not say who the customer is.
// Names cannot be told apart from other words, so they are not caught
// (README: "What shopvault refuses to keep").
func checkCustomerMetadata(pairs ...string) error {
	if err := checkMetadata(pairs...); err != nil {
		return err
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := refuseContact(pairs[i], pairs[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// refuseContact refuses an email address or a phone number in one
// plaintext value, naming the field and what was found, never the value.
func refuseContact(field, val string) error {
	found := sensitive.CategoriesOf(sensitive.DetectContact(val, field))
	if len(found) == 0 {
		return nil
	}
	var what, codes []string
	for _, c := range found {
		what = append(what, c.Describe())
		codes = append(codes, string(c))
	}
	return &InputError{Field: field, Category: strings.Join(codes, ","),
		Reason: "looks like " + words.Join(what, "and") + "; " + field + " is kept in plaintext and outlives forget, so it must not hold the customer's details",
		Hint:   "nothing was written; describe it without the customer's details, e.g. 'customer asked by phone' or 'dispute on ORD-5000'"}
}

// SensitiveFinding is one stored value the guard would refuse today: the
// customer, the field and the category, never the value.
type SensitiveFinding struct {
	Alias    string `json:"alias"`
	Field    string `json:"field"`
	Category string `json:"category"`
}

// check refuses sensitive data in the settings kept in plaintext.
func (s Settings) check() error {
	return checkMetadata("shop-name", s.ShopName, "shop-contact", s.ShopContact)
}

// keptNot is the kind of data a category belongs to, for messages.
func keptNot(c sensitive.Category) string {
	switch c {
	case sensitive.CardNumber, sensitive.CardSecurityCode:
		return "card data"
	case sensitive.BankAccount, sensitive.IBAN, sensitive.NGBVN:
		return "bank details"
	case sensitive.Passport:
		return "passport numbers"
	case sensitive.Password:
		return "passwords or PINs"
	}
	return "national IDs"
}

package vault

import (
	"slices"
	"sort"
	"strings"
)

// ConsentPurposes are the purposes a customer can consent to. The list is
// closed so a spreadsheet's "no" or a typo never becomes a purpose, and so
// the privacy notice can say each one in plain words.
var ConsentPurposes = []string{"marketing", "sms", "whatsapp", "calls", "post"}

// IsConsentPurpose reports whether p is one of ConsentPurposes.
func IsConsentPurpose(p string) bool {
	for _, k := range ConsentPurposes {
		if k == p {
			return true
		}
	}
	return false
}

// ValidateConsent checks consent purpose names. The reason never repeats
// the value: a consent column can hold anything a spreadsheet held.
func ValidateConsent(names []string) error {
	for _, n := range names {
		if !IsConsentPurpose(n) {
			return &InputError{Field: "consent", Reason: "is not a consent purpose (purposes are " + strings.Join(ConsentPurposes, ", ") + ")"}
		}
	}
	return nil
}

// consentColumns are shop platforms' consent columns (lower case) and the
// purpose each one grants: Shopify's customer export, WooCommerce and the
// newsletter plugins its exports carry.
var consentColumns = map[string]string{
	"accepts email marketing": "marketing", "accepts marketing": "marketing", "email marketing": "marketing",
	"email marketing status": "marketing", "accepts sms marketing": "sms", "sms marketing": "sms", "sms marketing status": "sms",
	"marketing_opt_in": "marketing", "accepts_marketing": "marketing", "newsletter": "marketing", "mailpoet_status": "marketing",
	"_wc_marketing_opt_in": "marketing", "sms_opt_in": "sms", "marketing consent": "marketing",
}

// ConsentColumnPurpose is the purpose a platform's consent column grants
// ("Accepts SMS Marketing" grants sms), or "".
func ConsentColumnPurpose(column string) string {
	return consentColumns[strings.ToLower(strings.TrimSpace(column))]
}

// consentYes and consentNo are what shop platforms and spreadsheets write
// in a consent column. Pending double opt-ins, redacted and invalid
// addresses grant nothing.
var (
	consentYes = map[string]bool{"yes": true, "y": true, "true": true, "t": true, "1": true, "subscribed": true, "opted in": true,
		"opted-in": true, "opted_in": true, "opt-in": true, "optin": true, "granted": true, "on": true, "x": true, "✓": true, "ja": true, "oui": true, "sim": true, "si": true, "sí": true}
	consentNo = map[string]bool{"": true, "no": true, "n": true, "false": true, "f": true, "0": true, "unsubscribed": true,
		"not subscribed": true, "not_subscribed": true, "opted out": true, "opted-out": true, "opted_out": true, "opt-out": true,
		"optout": true, "pending": true, "redacted": true, "invalid": true, "declined": true, "off": true, "none": true, "-": true,
		"nein": true, "non": true, "não": true, "nao": true}
)

// ParseConsentValue reads one consent cell. column says which kind:
// "consent" (shopvault's own column: yes/no, or a list of purposes such as
// "marketing;sms"), "consent:PURPOSE" (a yes/no column for one purpose), or
// a platform's column name ("Accepts Email Marketing"). It returns the
// purposes granted; no, false, 0 and unsubscribed grant nothing. A value it
// cannot read is refused, without repeating it: guessing would risk
// contacting someone who said no.
func ParseConsentValue(column, value string) ([]string, error) {
	v := strings.ToLower(strings.TrimSpace(value))
	purpose := ConsentColumnPurpose(column)
	if p, ok := strings.CutPrefix(strings.ToLower(column), "consent:"); ok {
		purpose = strings.TrimSpace(p)
		if !IsConsentPurpose(purpose) {
			return nil, ValidateConsent([]string{purpose})
		}
	}
	switch {
	case consentNo[v]:
		return nil, nil
	case consentYes[v] && purpose != "":
		return []string{purpose}, nil
	case consentYes[v]:
		// shopvault's own column with a bare "yes": the purpose it has
		// always meant is marketing.
		return []string{"marketing"}, nil
	case purpose != "":
		return nil, &InputError{Field: "consent", Reason: "is not a consent value shopvault reads (yes/no, true/false, 1/0, subscribed/unsubscribed)"}
	}
	var out []string
	for _, p := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ',' || r == ' ' || r == '|' }) {
		if !IsConsentPurpose(p) {
			return nil, &InputError{Field: "consent", Reason: "is not a consent value shopvault reads (yes/no, true/false, 1/0, subscribed/unsubscribed, or purposes: " + strings.Join(ConsentPurposes, ", ") + ")"}
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}

package vault

import (
	"slices"
	"strconv"
	"strings"
)

// csvFormat is one known CSV layout: how it is recognised from its header
// and how a row becomes vault fields.
type csvFormat struct {
	name   ImportFormat
	detect func(h header) bool
	build  func(r record, row *ImportRow)
	// columns name, for --dry-run, what each known column becomes;
	// describe, when set, does for numbered columns (Phone 3 - Value).
	columns  map[string]string
	describe func(col string) string
	// groupBy, for order exports, names the order-number column whose
	// consecutive rows (line items) are one order.
	groupBy string
}

func (f *csvFormat) uses(col string) string {
	if f.describe != nil {
		return f.describe(col)
	}
	return f.columns[col]
}

// csvFormats in detection order: the most specific header first.
var csvFormats = []*csvFormat{shopifyOrders, shopifyCustomers, wooOrders, wooOrdersLabelled, wooCustomers, wooAnalytics, googleContacts, outlookContacts, nativeColumns}

func csvFormatNamed(name ImportFormat) *csvFormat {
	for _, f := range csvFormats {
		if f.name == name {
			return f
		}
	}
	return nil
}

func detectCSV(h header) *csvFormat {
	for _, f := range csvFormats {
		if f.detect(h) {
			return f
		}
	}
	return nil
}

// unquoteCell undoes the apostrophe spreadsheets and Shopify put before a
// value to keep it text ('02108, '+1 617…).
func unquoteCell(s string) string { return strings.TrimSpace(strings.TrimPrefix(s, "'")) }

func joinName(parts ...string) string {
	return strings.Join(strings.Fields(strings.Join(parts, " ")), " ")
}

// datePart keeps the date of a platform timestamp ("2024-03-05 14:02:11
// +0100", "2024-03-05T14:02:11"), which is what created records.
func datePart(s string) string {
	if len(s) >= 10 && s[4] == '-' && s[7] == '-' {
		return s[:10]
	}
	return s
}

// addConsent reads one consent cell with ParseConsentValue (column is
// "consent" or "consent:PURPOSE"): no, false and the like grant nothing,
// and a value it cannot read marks the row refused (reported, never
// echoed) rather than guessed.
func (row *ImportRow) addConsent(column, value string) {
	granted, err := ParseConsentValue(column, value)
	if err != nil {
		row.Refused = err
		return
	}
	for _, p := range granted {
		if !slices.Contains(row.Consent, p) {
			row.Consent = append(row.Consent, p)
		}
	}
}

// address is one address of a contact.
type address struct{ line1, line2, city, region, postcode, country string }

func (a address) empty() bool { return a.line1 == "" && a.city == "" && a.postcode == "" }

func (a address) set(row *ImportRow) {
	row.Fields["line1"], row.Fields["line2"] = a.line1, a.line2
	row.Fields["city"], row.Fields["region"] = a.city, a.region
	row.Fields["postcode"], row.Fields["country"] = unquoteCell(a.postcode), a.country
}

// splitStreet splits a multi-line street ("14 Main St\nFlat 2") into the
// two address lines.
func splitStreet(s string) (string, string) {
	lines := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	if len(lines) == 0 {
		return "", ""
	}
	return lines[0], joinName(lines[1:]...)
}

func columnsOf(pairs ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	return m
}

var nativeColumns = &csvFormat{
	name: FormatNative,
	detect: func(h header) bool {
		return h.has("name") && (h.has("email") || h.has("phone"))
	},
	build: func(r record, row *ImportRow) {
		for _, f := range FieldNames {
			row.Fields[f] = r.get(f)
		}
		row.Created = r.get("created")
		row.addConsent("consent", r.get("consent"))
	},
	columns: columnsOf("name", "name", "email", "email", "phone", "phone", "line1", "line1", "line2", "line2", "city", "city",
		"region", "region", "postcode", "postcode", "country", "country", "note", "note", "consent", "consent", "created", "created"),
}

// Shopify's customers export, current ("Default Address …") and older
// column names.
var shopifyCustomers = &csvFormat{
	name: FormatShopify,
	detect: func(h header) bool {
		return h.has("first name", "last name", "email") &&
			(h.has("default address address1") || h.has("province code") || h.has("accepts email marketing") || h.has("accepts marketing"))
	},
	build: func(r record, row *ImportRow) {
		row.Fields["name"] = joinName(r.get("first name"), r.get("last name"))
		row.Fields["email"] = r.get("email")
		row.Fields["phone"] = unquoteCell(r.get("phone", "default address phone"))
		address{
			line1: r.get("default address address1", "address1"), line2: r.get("default address address2", "address2"),
			city: r.get("default address city", "city"), region: r.get("default address province code", "province code", "province"),
			postcode: r.get("default address zip", "zip"), country: r.get("default address country code", "country code", "country"),
		}.set(row)
		row.Fields["note"] = r.get("note")
		row.addConsent("consent:marketing", r.get("accepts email marketing", "accepts marketing"))
		row.addConsent("consent:sms", r.get("accepts sms marketing"))
	},
	columns: columnsOf("first name", "name", "last name", "name", "email", "email", "phone", "phone", "default address phone", "phone",
		"default address address1", "line1", "address1", "line1", "default address address2", "line2", "address2", "line2",
		"default address city", "city", "city", "city", "default address province code", "region", "province code", "region", "province", "region",
		"default address zip", "postcode", "zip", "postcode", "default address country code", "country", "country code", "country", "country", "country",
		"note", "note", "accepts email marketing", "consent: marketing", "accepts marketing", "consent: marketing", "accepts sms marketing", "consent: sms"),
}

// orderAddress picks the shipping address of an order row when it has one,
// else the billing address, with the name that goes with it.
func orderAddress(r record, shipping, billing func(string) string) (string, address) {
	ship := address{line1: r.get(shipping("address1")), line2: r.get(shipping("address2")), city: r.get(shipping("city")),
		region: r.get(shipping("province")), postcode: r.get(shipping("zip")), country: r.get(shipping("country"))}
	bill := address{line1: r.get(billing("address1")), line2: r.get(billing("address2")), city: r.get(billing("city")),
		region: r.get(billing("province")), postcode: r.get(billing("zip")), country: r.get(billing("country"))}
	if !ship.empty() {
		return r.get(shipping("name")), ship
	}
	return r.get(billing("name")), bill
}

// Shopify's orders export: one row per line item, the customer on the
// order's first row.
var shopifyOrders = &csvFormat{
	name:    FormatShopifyOrders,
	groupBy: "name",
	detect: func(h header) bool {
		return h.has("name", "email") && (h.has("lineitem name") || h.has("lineitem quantity") || h.has("financial status"))
	},
	build: func(r record, row *ImportRow) {
		row.Fields[orderKeyField] = r.get("name", "id")
		shopifyCol := func(group string) func(string) string {
			return func(f string) string {
				if f == "province" {
					return group + " province"
				}
				return group + " " + f
			}
		}
		name, a := orderAddress(r, shopifyCol("shipping"), shopifyCol("billing"))
		if name == "" {
			name = r.get("billing name", "shipping name")
		}
		row.Fields["name"] = joinName(name)
		row.Fields["email"] = r.get("email")
		row.Fields["phone"] = unquoteCell(r.get("shipping phone", "billing phone", "phone"))
		a.set(row)
		row.addConsent("consent:marketing", r.get("accepts marketing", "accepts email marketing"))
	},
	columns: columnsOf("name", "order (line items merged)", "email", "email", "shipping name", "name", "billing name", "name (no shipping address)",
		"shipping address1", "line1", "shipping address2", "line2", "shipping city", "city", "shipping province", "region", "shipping zip", "postcode",
		"shipping country", "country", "shipping phone", "phone", "billing phone", "phone", "phone", "phone",
		"billing address1", "line1 (no shipping address)", "billing address2", "line2 (no shipping address)", "billing city", "city (no shipping address)",
		"billing province", "region (no shipping address)", "billing zip", "postcode (no shipping address)", "billing country", "country (no shipping address)",
		"accepts marketing", "consent: marketing"),
}

func wooRow(r record, row *ImportRow) {
	ship := address{line1: r.get("shipping_address_1"), line2: r.get("shipping_address_2"), city: r.get("shipping_city"),
		region: r.get("shipping_state"), postcode: r.get("shipping_postcode"), country: r.get("shipping_country")}
	name := joinName(r.get("shipping_first_name"), r.get("shipping_last_name"))
	a := ship
	if ship.empty() {
		a = address{line1: r.get("billing_address_1"), line2: r.get("billing_address_2"), city: r.get("billing_city"),
			region: r.get("billing_state"), postcode: r.get("billing_postcode"), country: r.get("billing_country")}
		name = joinName(r.get("billing_first_name"), r.get("billing_last_name"))
	}
	if name == "" {
		name = joinName(r.get("first_name"), r.get("last_name"))
	}
	if name == "" {
		name = joinName(r.get("billing_first_name"), r.get("billing_last_name"))
	}
	row.Fields["name"] = name
	row.Fields["email"] = r.get("email", "billing_email", "user_email", "customer_email")
	row.Fields["phone"] = unquoteCell(r.get("shipping_phone", "billing_phone", "phone"))
	a.set(row)
	if c := r.get("date_created", "date_registered", "customer_since", "user_registered"); c != "" {
		row.Created = datePart(c)
	}
	row.addConsent("consent:marketing", r.get("accepts_marketing", "marketing_opt_in", "newsletter"))
}

var wooColumns = columnsOf("first_name", "name", "last_name", "name", "email", "email", "billing_email", "email",
	"shipping_first_name", "name", "shipping_last_name", "name", "shipping_address_1", "line1", "shipping_address_2", "line2",
	"shipping_city", "city", "shipping_state", "region", "shipping_postcode", "postcode", "shipping_country", "country", "shipping_phone", "phone",
	"billing_first_name", "name (no shipping address)", "billing_last_name", "name (no shipping address)", "billing_address_1", "line1 (no shipping address)",
	"billing_address_2", "line2 (no shipping address)", "billing_city", "city (no shipping address)", "billing_state", "region (no shipping address)",
	"billing_postcode", "postcode (no shipping address)", "billing_country", "country (no shipping address)", "billing_phone", "phone",
	"date_created", "created", "date_registered", "created", "accepts_marketing", "consent: marketing", "marketing_opt_in", "consent: marketing")

// WooCommerce's customers export (Customer/Order CSV Export and the like):
// shipping address preferred, billing as the fallback.
var wooCustomers = &csvFormat{
	name: FormatWooCommerce,
	detect: func(h header) bool {
		return h.has("billing_address_1") || h.has("shipping_address_1") || h.has("billing_email")
	},
	build:   wooRow,
	columns: wooColumns,
}

// WooCommerce's orders export: one row per order (or per line item).
var wooOrders = &csvFormat{
	name:    FormatWooCommerceOrders,
	groupBy: "order_id",
	detect: func(h header) bool {
		return (h.has("order_id") || h.has("order_number")) && (h.has("billing_email") || h.has("billing_first_name"))
	},
	build: func(r record, row *ImportRow) {
		wooRow(r, row)
		row.Created = ""
		row.Fields[orderKeyField] = r.get("order_id", "order_number")
	},
	columns: wooColumns,
}

// WooCommerce orders from the Advanced Order Export plugin, whose default
// columns are labelled "First Name (Billing)", "Email (Billing)", ….
var wooOrdersLabelled = &csvFormat{
	name:    FormatWooCommerceOrders,
	groupBy: "order number",
	detect: func(h header) bool {
		return (h.has("order number") || h.has("order id")) && (h.has("email (billing)") || h.has("first name (billing)"))
	},
	build: func(r record, row *ImportRow) {
		group := func(g string) (string, address) {
			col := func(names ...string) string {
				for i := range names {
					names[i] += " (" + g + ")"
				}
				return r.get(names...)
			}
			line1, line2 := col("address 1", "address 1&2"), col("address 2")
			if line2 == "" && col("address 1") == "" {
				// "Address 1&2" joins both lines with a comma or newline.
				line1, line2 = splitStreet(strings.Replace(line1, ", ", "\n", 1))
			}
			return joinName(col("first name"), col("last name")), address{line1: line1, line2: line2, city: col("city"),
				region: col("state code", "state"), postcode: col("postcode", "zip"), country: col("country code", "country")}
		}
		name, a := group("shipping")
		if a.empty() {
			name, a = group("billing")
		}
		if name == "" {
			name, _ = group("billing")
		}
		row.Fields[orderKeyField] = r.get("order number", "order id")
		row.Fields["name"] = name
		row.Fields["email"] = r.get("email (billing)", "customer email")
		row.Fields["phone"] = unquoteCell(r.get("phone (shipping)", "phone (billing)"))
		a.set(row)
	},
	columns: columnsOf("order number", "order (line items merged)", "first name (shipping)", "name", "last name (shipping)", "name",
		"address 1&2 (shipping)", "line1, line2", "address 1 (shipping)", "line1", "address 2 (shipping)", "line2", "city (shipping)", "city",
		"state code (shipping)", "region", "postcode (shipping)", "postcode", "country code (shipping)", "country",
		"first name (billing)", "name (no shipping address)", "last name (billing)", "name (no shipping address)",
		"address 1&2 (billing)", "line1, line2 (no shipping address)", "city (billing)", "city (no shipping address)",
		"state code (billing)", "region (no shipping address)", "postcode (billing)", "postcode (no shipping address)",
		"country code (billing)", "country (no shipping address)", "email (billing)", "email", "phone (billing)", "phone", "phone (shipping)", "phone"),
}

// WooCommerce's own Analytics → Customers download.
var wooAnalytics = &csvFormat{
	name: FormatWooCommerce,
	detect: func(h header) bool {
		return h.has("name", "username", "email") && (h.has("total spend") || h.has("last active"))
	},
	build: func(r record, row *ImportRow) {
		row.Fields["name"] = r.get("name")
		row.Fields["email"] = r.get("email")
		row.Fields["city"] = r.get("city")
		row.Fields["region"] = r.get("region")
		row.Fields["postcode"] = unquoteCell(r.get("postal code"))
		row.Fields["country"] = r.get("country / region", "country")
		if c := r.get("date registered"); c != "" {
			row.Created = datePart(c)
		}
	},
	columns: columnsOf("name", "name", "email", "email", "city", "city", "region", "region", "postal code", "postcode",
		"country / region", "country", "date registered", "created"),
}

// typed is one of several typed values (Google's "Phone 2 - Label: Mobile").
type typed struct {
	label string
	value string
	n     int
}

// best is the first value whose label has one of the wanted words, else
// the primary one (Google marks it "* "), else the first.
func best(vals []typed, want ...string) (typed, bool) {
	if len(vals) == 0 {
		return typed{}, false
	}
	for _, w := range want {
		for _, v := range vals {
			if strings.Contains(strings.ToLower(v.label), w) {
				return v, true
			}
		}
	}
	for _, v := range vals {
		if strings.HasPrefix(v.label, "* ") {
			return v, true
		}
	}
	return vals[0], true
}

// googleValues lists "Kind N - Value" cells; a cell may hold several
// values joined with " ::: ".
func googleValues(r record, kind string) []typed {
	var out []typed
	for n := 1; ; n++ {
		p := kind + " " + strconv.Itoa(n) + " - "
		if !r.h.has(p + "value") {
			return out
		}
		label := r.get(p+"label", p+"type")
		for _, one := range strings.Split(r.get(p+"value"), ":::") {
			if one = strings.TrimSpace(one); one != "" {
				out = append(out, typed{label: label, value: one, n: n})
			}
		}
	}
}

// googleAddresses lists the non-empty "Address N - …" groups.
func googleAddresses(r record) []typed {
	var out []typed
	for n := 1; ; n++ {
		p := "address " + strconv.Itoa(n) + " - "
		if !r.h.has(p+"street") && !r.h.has(p+"formatted") {
			return out
		}
		if r.get(p+"street", p+"city", p+"postal code", p+"formatted") != "" {
			out = append(out, typed{label: r.get(p+"label", p+"type"), n: n})
		}
	}
}

// Google Contacts' CSV export: the current one (First Name, Phone 1 -
// Label) and the older one (Given Name, Phone 1 - Type).
var googleContacts = &csvFormat{
	name: FormatGoogle,
	detect: func(h header) bool {
		return (h.has("e-mail 1 - value") || h.has("phone 1 - value")) && (h.has("given name") || h.has("first name") || h.has("name"))
	},
	build: func(r record, row *ImportRow) {
		name := r.get("name")
		if name == "" {
			name = joinName(r.get("name prefix"), r.get("first name", "given name"), r.get("middle name", "additional name"),
				r.get("last name", "family name"), r.get("name suffix"))
		}
		row.Fields["name"] = name
		if t, ok := best(googleValues(r, "phone"), "mobile", "cell"); ok {
			row.Fields["phone"] = t.value
		}
		if t, ok := best(googleValues(r, "e-mail")); ok {
			row.Fields["email"] = t.value
		}
		if t, ok := best(googleAddresses(r), "home"); ok {
			p := "address " + strconv.Itoa(t.n) + " - "
			line1, line2 := splitStreet(r.get(p + "street"))
			a := address{line1: line1, line2: joinName(line2, r.get(p+"extended address"), r.get(p+"po box")),
				city: r.get(p + "city"), region: r.get(p + "region"), postcode: r.get(p + "postal code"), country: r.get(p + "country")}
			a.set(row)
		}
		row.Fields["note"] = r.get("notes")
	},
	describe: describeGoogle,
}

func describeGoogle(col string) string {
	switch col {
	case "name", "name prefix", "first name", "given name", "middle name", "additional name", "last name", "family name", "name suffix":
		return "name"
	case "notes":
		return "note"
	}
	kind, rest, ok := strings.Cut(col, " - ")
	if !ok {
		return ""
	}
	kind, _, _ = strings.Cut(kind, " ")
	switch kind + " - " + rest {
	case "phone - value":
		return "phone (the mobile one first)"
	case "phone - label", "phone - type":
		return "(picks the mobile number)"
	case "e-mail - value":
		return "email (the primary one first)"
	case "e-mail - label", "e-mail - type":
		return "(picks the primary email)"
	case "address - label", "address - type":
		return "(picks the home address)"
	case "address - street":
		return "line1, line2"
	case "address - extended address", "address - po box":
		return "line2"
	case "address - city":
		return "city"
	case "address - region":
		return "region"
	case "address - postal code":
		return "postcode"
	case "address - country":
		return "country"
	}
	return ""
}

// Outlook's CSV export (classic Outlook and Outlook.com).
var outlookContacts = &csvFormat{
	name: FormatOutlook,
	detect: func(h header) bool {
		return h.has("first name", "last name") && (h.has("mobile phone") || h.has("e-mail address")) &&
			(h.has("home street") || h.has("business street") || h.has("home phone"))
	},
	build: func(r record, row *ImportRow) {
		row.Fields["name"] = joinName(r.get("title"), r.get("first name"), r.get("middle name"), r.get("last name"), r.get("suffix"))
		row.Fields["phone"] = unquoteCell(r.get("mobile phone", "primary phone", "home phone", "home phone 2", "business phone", "business phone 2", "other phone"))
		row.Fields["email"] = r.get("e-mail address", "e-mail 2 address", "e-mail 3 address")
		for _, g := range []string{"home", "business", "other"} {
			line1, line2 := splitStreet(r.get(g + " street"))
			a := address{line1: line1, line2: joinName(line2, r.get(g+" street 2"), r.get(g+" street 3")), city: r.get(g + " city"),
				region: r.get(g + " state"), postcode: r.get(g + " postal code"), country: r.get(g+" country/region", g+" country")}
			if !a.empty() {
				a.set(row)
				break
			}
		}
		row.Fields["note"] = r.get("notes")
	},
	describe: describeOutlook,
}

func describeOutlook(col string) string {
	switch col {
	case "title", "first name", "middle name", "last name", "suffix":
		return "name"
	case "mobile phone":
		return "phone (the first of mobile, primary, home, business, other)"
	case "primary phone", "home phone", "home phone 2", "business phone", "business phone 2", "other phone":
		return "phone (when mobile is empty)"
	case "e-mail address":
		return "email"
	case "e-mail 2 address", "e-mail 3 address":
		return "email (when the first is empty)"
	case "notes":
		return "note"
	}
	group, part, ok := strings.Cut(col, " ")
	if !ok || (group != "home" && group != "business" && group != "other") {
		return ""
	}
	which := map[string]string{"home": " (the home address first)", "business": " (when no home address)", "other": " (when no home or business address)"}[group]
	switch part {
	case "street":
		return "line1, line2" + which
	case "street 2", "street 3":
		return "line2" + which
	case "city":
		return "city" + which
	case "state":
		return "region" + which
	case "postal code":
		return "postcode" + which
	case "country/region", "country":
		return "country" + which
	}
	return ""
}

// mappedFormat reads a CSV through the user's --map.
func mappedFormat(mapping map[string]string) *csvFormat {
	return &csvFormat{
		name:    FormatMapped,
		detect:  func(header) bool { return true },
		columns: mapping,
		build: func(r record, row *ImportRow) {
			var first, last string
			for i, col := range r.h.names {
				f := mapping[strings.ToLower(strings.TrimSpace(col))]
				if f == "" || i >= len(r.vals) {
					continue
				}
				val := strings.TrimSpace(r.vals[i])
				switch f {
				case "first":
					first = val
				case "last":
					last = val
				case "created":
					row.Created = datePart(val)
				case "consent":
					row.addConsent("consent", val)
				case "phone", "postcode":
					if row.Fields[f] == "" {
						row.Fields[f] = unquoteCell(val)
					}
				default:
					if row.Fields[f] == "" {
						row.Fields[f] = val
					}
				}
			}
			if row.Fields["name"] == "" {
				row.Fields["name"] = joinName(first, last)
			}
		},
	}
}

// synonyms guess a field from a column name, for the mapping suggested
// when a header is not recognised. Never applied without --map.
var synonyms = map[string][]string{
	"name":     {"name", "full name", "fullname", "customer", "customer name", "client", "contact", "nom", "nombre", "kunde", "vollständiger name", "nom complet"},
	"first":    {"first name", "firstname", "first", "given name", "vorname", "prénom", "prenom"},
	"last":     {"last name", "lastname", "last", "surname", "family name", "nachname"},
	"email":    {"email", "e-mail", "mail", "email address", "e-mail address", "courriel", "correo"},
	"phone":    {"phone", "mobile", "cell", "tel", "telephone", "telefon", "téléphone", "phone number", "mobile number", "whatsapp", "gsm", "handy", "telefonnummer", "handynummer", "mobil"},
	"line1":    {"address", "address1", "address 1", "street", "address line 1", "adresse", "straße", "strasse", "dirección"},
	"line2":    {"address2", "address 2", "address line 2", "apartment", "suite"},
	"city":     {"city", "town", "ort", "stadt", "wohnort", "ville", "ciudad", "lga"},
	"region":   {"state", "region", "province", "county", "bundesland"},
	"postcode": {"zip", "zip code", "postcode", "post code", "postal code", "plz", "code postal"},
	"country":  {"country", "land", "pays", "país", "country code"},
	"note":     {"note", "notes", "comment", "comments", "remarks", "bemerkung"},
}

func guessMapping(cols []string) []ColumnUse {
	byName := map[string]string{}
	for f, names := range synonyms {
		for _, n := range names {
			byName[n] = f
		}
	}
	out := make([]ColumnUse, len(cols))
	taken := map[string]bool{}
	for i, c := range cols {
		f := byName[strings.ToLower(strings.TrimSpace(c))]
		if taken[f] {
			f = ""
		}
		if f != "" {
			taken[f] = true
		}
		out[i] = ColumnUse{Column: strings.TrimSpace(c), Field: f}
	}
	return out
}

// looksLikeData reports a first line that is probably a customer rather
// than column names: an email, a long digit run, or a "+" number.
func looksLikeData(cols []string) bool {
	for _, c := range cols {
		digits := 0
		for _, r := range c {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if strings.Contains(c, "@") || digits >= 5 || strings.HasPrefix(strings.TrimSpace(c), "+") {
			return true
		}
	}
	return false
}

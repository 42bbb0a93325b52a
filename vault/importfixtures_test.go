package vault

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
)

// readFixture reads an export fixture as import would store it: each row
// through the format's reader and add's validation (issue 15).
func readFixture(t *testing.T, name string) (format ImportFormat, stored []map[string]string, consent [][]string) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "import", name))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { must(t, f.Close()) }()
	rows, err := NewRowReader(f, "", nil)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for {
		row, err := rows.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s row %d: %v", name, row.Line, err)
		}
		norm, err := prepareCustomer(NewCustomer{Fields: row.Fields, Consent: row.Consent}, "")
		if err != nil {
			t.Fatalf("%s row %d refused: %v", name, row.Line, err)
		}
		stored = append(stored, norm)
		sort.Strings(row.Consent)
		consent = append(consent, row.Consent)
	}
	return rows.Format(), stored, consent
}

// Every export fixture, written from each program's documented export
// format, gives exactly these customers: names in NFC, phones in E.164,
// the delivery address (home or shipping first), ISO countries (issue 15).
func TestImportFixtures(t *testing.T) {
	type cust = map[string]string
	for _, tc := range []struct {
		file    string
		format  ImportFormat
		want    []cust
		consent [][]string
	}{
		{"android-2.1.vcf", FormatVCard, []cust{
			{"name": "Adébáyọ̀ Ọládípọ̀", "phone": "+2348031234567", "email": "adebayo@example.ng", "line1": "14 Herbert Macaulay Way", "city": "Yaba", "region": "Lagos", "postcode": "101212", "country": "NG"},
			{"name": "Ngozi A. Okafor", "phone": "+2348055550101"},
		}, nil},
		{"iphone-3.0.vcf", FormatVCard, []cust{
			{"name": "Jürgen Müller", "phone": "+4915123456789", "email": "juergen@example.de", "line1": "Lindenstraße 5", "line2": "Hinterhaus, 2. OG", "city": "Berlin", "postcode": "10115", "country": "DE", "note": "Klingel defekt, bitte anrufen"},
		}, nil},
		{"contacts-4.0.vcf", FormatVCard, []cust{
			{"name": "Siobhán Ní Bhriain", "phone": "+353871234567", "email": "siobhan@example.ie", "line1": "12 Main Street", "city": "Galway", "region": "Co. Galway", "postcode": "H91 X2Y3", "country": "IE"},
		}, nil},
		{"google-contacts.csv", FormatGoogle, []cust{
			{"name": "Kwame Mensah", "phone": "+233244123456", "email": "kwame@example.com.gh", "line1": "House 12, Oxford Street", "line2": "Near the Shell station", "city": "Accra", "region": "Greater Accra", "postcode": "GA-123-4567", "country": "GH"},
			{"name": "Zoë Brontë", "phone": "+442079460018", "email": "zoe@example.co.uk"},
		}, nil},
		{"google-contacts-old.csv", FormatGoogle, []cust{
			{"name": "Wanjiru Kamau", "phone": "+254712345678", "email": "wanjiru@example.co.ke", "line1": "Moi Avenue 45", "city": "Nairobi", "postcode": "00100", "country": "KE"},
		}, nil},
		{"outlook.csv", FormatOutlook, []cust{
			{"name": "Emily Carter", "phone": "+16175550199", "email": "emily.carter@example.com", "line1": "22 Beacon St", "line2": "Apt 4", "city": "Boston", "region": "MA", "postcode": "02108", "country": "US"},
			{"name": "François Dupont", "phone": "+33142685300", "email": "f.dupont@example.fr", "line1": "8 Rue de Rivoli", "city": "Paris", "postcode": "75004", "country": "FR"},
		}, nil},
		{"outlook-classic.csv", FormatOutlook, []cust{
			{"name": "Chiamaka Eze", "phone": "+2348035557788", "email": "chiamaka@example.ng", "line1": "21 Ogui Road", "city": "Enugu", "region": "Enugu", "postcode": "400001", "country": "NG"},
		}, nil},
		{"excel-de-semicolon-1252.csv", FormatNative, []cust{
			{"name": "Jürgen Weiß", "phone": "+491712345678", "email": "juergen.weiss@example.de", "line1": "Hauptstraße 3", "city": "Köln", "postcode": "50667", "country": "DE"},
			{"name": "Renée Åkesson", "phone": "+46701234567", "email": "renee@example.se", "line1": "Storgatan 1", "city": "Malmö", "postcode": "211 34", "country": "SE"},
		}, nil},
		{"excel-unicode-text.txt", FormatNative, []cust{
			{"name": "Ọlá Adéyẹmí", "phone": "+2348037654321", "email": "ola@example.ng", "line1": "5 Awolowo Road", "city": "Ikoyi", "region": "Lagos", "postcode": "101233", "country": "NG"},
			{"name": "Олена Коваленко", "phone": "+380441234567", "email": "olena@example.ua", "city": "Київ", "postcode": "01001", "country": "UA"},
		}, nil},
		{"excel-utf8-bom.csv", FormatNative, []cust{
			{"name": "Chidi Nwosu", "phone": "+2348091112222", "email": "chidi@example.ng", "line1": "3 Allen Avenue", "city": "Ikeja", "country": "NG"},
		}, [][]string{{"marketing"}}},
		{"latin1.csv", FormatNative, []cust{
			{"name": "Inês Conceição", "phone": "+351912345678", "email": "ines@example.pt", "city": "Évora", "postcode": "7000-123", "country": "PT"},
		}, nil},
		{"shopify-customers.csv", FormatShopify, []cust{
			{"name": "Amara Obi", "phone": "+2348021234567", "email": "amara@example.ng", "line1": "7 Broad Street", "city": "Lagos Island", "region": "LA", "postcode": "102273", "country": "NG"},
			{"name": "Liam Walsh", "phone": "+16175550142", "email": "liam@example.com", "line1": "30 Newbury St", "city": "Boston", "region": "MA", "postcode": "02116", "country": "US"},
		}, [][]string{{"marketing"}, {"sms"}}},
		{"shopify-customers-old.csv", FormatShopify, []cust{
			{"name": "Sophie Martin", "phone": "+33612345678", "email": "sophie@example.fr", "line1": "12 Rue Oberkampf", "city": "Paris", "postcode": "75011", "country": "FR"},
		}, [][]string{{"marketing"}}},
		{"shopify-orders.csv", FormatShopifyOrders, []cust{
			{"name": "Grace Kim", "phone": "+16175550177", "email": "grace@example.com", "line1": "9 Charles St", "line2": "Unit 2", "city": "Boston", "region": "MA", "postcode": "02108", "country": "US"},
			{"name": "Tunde Bakare", "phone": "+2348032223344", "email": "tunde@example.ng", "line1": "2 Adeola Odeku St", "city": "Victoria Island", "region": "Lagos", "postcode": "101241", "country": "NG"},
		}, [][]string{{"marketing"}, nil}},
		{"woocommerce-customers.csv", FormatWooCommerce, []cust{
			{"name": "Thandiwe Nkosi", "phone": "+27825551234", "email": "thandi@example.co.za", "line1": "5 Kloof Nek Road", "line2": "Flat 3", "city": "Cape Town", "region": "WC", "postcode": "8001", "country": "ZA"},
			{"name": "Pieter de Vries", "phone": "+31612345678", "email": "pieter@example.nl", "line1": "Damrak 1", "city": "Amsterdam", "postcode": "1012 LG", "country": "NL"},
		}, nil},
		{"woocommerce-orders.csv", FormatWooCommerceOrders, []cust{
			{"name": "Aisha Bello", "phone": "+2348098765432", "email": "aisha@example.ng", "line1": "10 Ahmadu Bello Way", "city": "Kaduna", "region": "KD", "postcode": "800283", "country": "NG"},
		}, nil},
		{"woocommerce-orders-labelled.csv", FormatWooCommerceOrders, []cust{
			{"name": "Ama Asante", "phone": "+233241234567", "email": "kofi@example.com.gh", "line1": "4 Kumasi Road", "line2": "Flat B", "city": "Kumasi", "region": "AH", "postcode": "AK-039-5028", "country": "GH"},
		}, nil},
	} {
		t.Run(tc.file, func(t *testing.T) {
			format, got, consent := readFixture(t, tc.file)
			if format != tc.format {
				t.Errorf("format %q, want %q", format, tc.format)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("stored\n%v\nwant\n%v", got, tc.want)
			}
			if tc.consent == nil {
				tc.consent = make([][]string, len(tc.want))
			}
			if !reflect.DeepEqual(consent, tc.consent) {
				t.Errorf("consent %q, want %q", consent, tc.consent)
			}
		})
	}
}

package export

import (
	"encoding/json"
	"io"
	"time"
)

// ManifestRow is one shipment on a courier's list: an alias and a general
// location, or the delivery address when the shop chose --with-address.
// Never email, phone or notes.
type ManifestRow struct {
	Alias    string    `json:"alias"`
	Ref      string    `json:"ref,omitempty"`
	Date     time.Time `json:"date"`
	Courier  string    `json:"courier,omitempty"`
	Name     string    `json:"name,omitempty"`
	Line1    string    `json:"line1,omitempty"`
	Line2    string    `json:"line2,omitempty"`
	City     string    `json:"city,omitempty"`
	Region   string    `json:"region,omitempty"`
	Postcode string    `json:"postcode,omitempty"`
	Country  string    `json:"country,omitempty"`
	Erased   bool      `json:"erased,omitempty"`
}

// WriteManifestCSV writes the manifest as RFC 4180 CSV, formula-safe.
func WriteManifestCSV(w io.Writer, rows []ManifestRow, withAddress bool) error {
	header := []string{"alias", "ref", "date", "courier", "city", "region", "postcode_area", "country"}
	if withAddress {
		header = []string{"alias", "ref", "date", "courier", "name", "line1", "line2", "city", "region", "postcode", "country"}
	}
	cw, err := NewCSVWriter(w, header)
	if err != nil {
		return err
	}
	for _, r := range rows {
		alias := r.Alias
		if r.Erased {
			alias = erasedAlias
		}
		row := []string{alias, r.Ref, r.Date.Format(time.DateOnly), r.Courier, r.City, r.Region, r.Postcode, r.Country}
		if withAddress {
			row = []string{alias, r.Ref, r.Date.Format(time.DateOnly), r.Courier, r.Name, r.Line1, r.Line2, r.City, r.Region, r.Postcode, r.Country}
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// erasedAlias stands in the alias column for a customer erased since the
// shipment: the parcel stays on the list, the pseudonym does not.
const erasedAlias = "(erased)"

// manifestJSONRow is a row of the general-location list as JSON: every key
// always present, named as the CSV header names it. postcode repeats
// postcode_area for scripts written before the key had the CSV's name.
type manifestJSONRow struct {
	Alias        string    `json:"alias"`
	Ref          string    `json:"ref"`
	Date         time.Time `json:"date"`
	Courier      string    `json:"courier"`
	City         string    `json:"city"`
	Region       string    `json:"region"`
	PostcodeArea string    `json:"postcode_area"`
	Postcode     string    `json:"postcode"`
	Country      string    `json:"country"`
	Erased       bool      `json:"erased"`
}

// manifestAddressJSONRow is a row of the --with-address list as JSON.
type manifestAddressJSONRow struct {
	Alias    string    `json:"alias"`
	Ref      string    `json:"ref"`
	Date     time.Time `json:"date"`
	Courier  string    `json:"courier"`
	Name     string    `json:"name"`
	Line1    string    `json:"line1"`
	Line2    string    `json:"line2"`
	City     string    `json:"city"`
	Region   string    `json:"region"`
	Postcode string    `json:"postcode"`
	Country  string    `json:"country"`
	Erased   bool      `json:"erased"`
}

// WriteManifestJSON writes the manifest as a JSON array with the CSV's
// columns as keys (docs/json.md).
func WriteManifestJSON(w io.Writer, rows []ManifestRow, withAddress bool) error {
	out := make([]any, len(rows))
	for i, r := range rows {
		alias := r.Alias
		if r.Erased {
			alias = erasedAlias
		}
		if withAddress {
			out[i] = manifestAddressJSONRow{Alias: alias, Ref: r.Ref, Date: r.Date, Courier: r.Courier, Name: r.Name, Line1: r.Line1, Line2: r.Line2,
				City: r.City, Region: r.Region, Postcode: r.Postcode, Country: r.Country, Erased: r.Erased}
		} else {
			out[i] = manifestJSONRow{Alias: alias, Ref: r.Ref, Date: r.Date, Courier: r.Courier, City: r.City, Region: r.Region,
				PostcodeArea: r.Postcode, Postcode: r.Postcode, Country: r.Country, Erased: r.Erased}
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

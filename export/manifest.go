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
			alias = "(erased)"
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

// WriteManifestJSON writes the manifest as a JSON array.
func WriteManifestJSON(w io.Writer, rows []ManifestRow) error {
	if rows == nil {
		rows = []ManifestRow{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(rows)
}

package export

// countryNames spells out the countries the sample data and common couriers
// use; other codes print as the code itself, which couriers also accept.
var countryNames = map[string]string{
	"NG": "NIGERIA", "GH": "GHANA", "KE": "KENYA", "ZA": "SOUTH AFRICA", "EG": "EGYPT",
	"GB": "UNITED KINGDOM", "IE": "IRELAND", "DE": "GERMANY", "FR": "FRANCE", "ES": "SPAIN",
	"PT": "PORTUGAL", "IT": "ITALY", "NL": "NETHERLANDS", "BE": "BELGIUM", "PL": "POLAND",
	"DK": "DENMARK", "SE": "SWEDEN", "NO": "NORWAY", "GR": "GREECE", "TR": "TURKEY",
	"US": "UNITED STATES", "CA": "CANADA", "BR": "BRAZIL", "MX": "MEXICO", "JP": "JAPAN",
	"CN": "CHINA", "KR": "SOUTH KOREA", "IN": "INDIA", "VN": "VIETNAM", "AU": "AUSTRALIA",
	"RU": "RUSSIA", "UA": "UKRAINE", "IL": "ISRAEL", "AE": "UNITED ARAB EMIRATES", "SA": "SAUDI ARABIA",
}

// CountryName is the English name for an ISO code, upper-case as on labels.
func CountryName(code string) string {
	if n, ok := countryNames[code]; ok {
		return n
	}
	return code
}

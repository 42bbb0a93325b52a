package sensitive

import (
	"strings"
	"sync"
)

// cue is what a context word says about the value next to it.
type cue int

const (
	cueNone       cue = iota
	cueNeutral        // phone, order, date, postcode: the number is what it looks like
	cueLookalike      // IMEI, serial, tracking: a Luhn-valid number here is no card
	cueGate           // gate, door, estate: the code after it opens a gate, not an account
	cueCard           // card number
	cueCVV            // card security code
	cueBank           // account number, sort code, a bank's name
	cueRouting        // routing / ABA number
	cueIBAN           // IBAN
	cueSSN            // US social security number
	cueNINO           // UK National Insurance number
	cueNIN            // Nigeria's National Identification Number
	cueBVN            // Nigeria's Bank Verification Number
	cueAadhaar        // India's Aadhaar
	cueZAID           // South African ID
	cueCPF            // Brazil's CPF
	cueNationalID     // any other national ID
	cuePassport       // passport number
	cuePassword       // password, passcode
	cuePIN            // PIN
	cuePINPostal      // India's "PIN code": a postcode
)

// cueWords are the context words (English, French, Portuguese, Spanish,
// German), written folded: lower case, no accents. findCues prefers the
// longest match ("pin code" over "pin"); a word listed under two cues goes
// to the first.
var cueWords = map[cue][]string{
	cueNeutral: {
		"phone", "tel", "telephone", "mobile", "mob", "cell", "call", "whatsapp", "sms", "text", "contact", "fax",
		"order", "orders", "ord", "order no", "order number", "invoice", "inv", "receipt", "ref", "reference", "po",
		"postcode", "post code", "zip", "zip code", "postal code", "cep", "plz", "code postal", "codigo postal",
		"date", "dob", "born", "delivered", "delivery", "due", "flat", "apt", "suite", "house", "plot", "block", "km", "room",
		"telefone", "telefono", "telefon", "handy", "portable", "commande", "pedido", "encomenda", "bestellung", "rechnung", "facture", "factura", "fatura",
	},
	cueLookalike: {
		"tracking", "track", "tracking number", "tracking no", "waybill", "awb", "consignment", "parcel", "shipment", "package",
		"imei", "serial", "serial number", "s/n", "sn", "model", "sku", "item", "device", "handset", "barcode", "ean", "upc",
	},
	cueGate: {
		"gate", "door", "front door", "estate", "compound", "building", "entry", "entrance", "intercom", "buzzer", "lobby",
		"locker", "lockbox", "key safe", "keysafe", "keypad", "garage", "digicode", "porte", "portail", "portao", "portaria",
		"porton", "puerta", "portal", "tor", "tur", "turcode", "torcode", "haustur", "hausture", "eingang", "gate pin", "door pin",
	},
	cueCard: {
		"card", "card number", "card no", "card num", "cc", "cc#", "credit card", "debit card", "visa", "mastercard", "amex",
		"verve", "carte", "carte bancaire", "numero de carte", "cartao", "numero do cartao", "tarjeta", "numero de tarjeta",
		"karte", "kreditkarte", "kartennummer", "pan",
	},
	cueCVV: {
		"cvv", "cvv2", "cvc", "cvc2", "csc", "cvn", "card security code", "security code", "card code", "card verification",
		"code de securite", "cryptogramme", "codigo de seguranca", "codigo de seguridad", "kartenprufnummer",
		"prufnummer", "sicherheitscode",
	},
	cueBank: {
		"account", "account number", "account no", "account#", "acct", "acct#", "acc", "acc#", "nib", "acct no", "acc no", "a/c", "a/c no", "bank", "bank account",
		"bank details", "nuban", "sort code", "sortcode", "swift", "bic", "numero de compte", "compte", "rib", "conta",
		"numero da conta", "conta corrente", "agencia", "cuenta", "numero de cuenta", "clabe", "konto", "kontonummer",
		"bankverbindung", "blz",
		// Banks shop owners pay and get paid through.
		"gtbank", "gtb", "guaranty trust", "access bank", "zenith", "zenith bank", "first bank", "firstbank", "uba",
		"fidelity", "union bank", "sterling", "wema", "ecobank", "stanbic", "fcmb", "polaris", "keystone", "opay",
		"kuda", "moniepoint", "palmpay", "providus", "barclays", "hsbc", "lloyds", "natwest", "santander", "monzo",
		"starling", "revolut", "halifax", "nationwide", "chase", "wells fargo", "bank of america", "citibank",
		"equity bank", "kcb", "absa", "capitec", "fnb", "nedbank", "standard bank", "sbi", "hdfc", "icici",
		"itau", "bradesco", "nubank", "banco do brasil", "caixa", "sparkasse", "deutsche bank", "commerzbank",
		"volksbank", "postbank", "n26", "ing", "bnp", "credit agricole", "societe generale", "la banque postale",
		"bbva", "caixabank", "gcb", "stanchart", "standard chartered",
	},
	cueRouting: {"routing", "routing number", "routing no", "aba", "rtn", "transit number"},
	cueIBAN:    {"iban"},
	cueSSN:     {"social", "ssn", "ssn#", "ss#", "ss no", "social security", "social security number", "social security no", "soc sec", "socsec"},
	cueNINO: {
		"ni", "ni number", "ni no", "nino", "national insurance", "national insurance number", "national insurance no", "nat ins",
	},
	cueNIN:     {"nin", "n.i.n", "n.i.n.", "nin number", "nin no", "nimc", "national identification number", "national identity number"},
	cueBVN:     {"bvn", "bank verification number"},
	cueAadhaar: {"aadhaar", "aadhar", "aadhaar number", "aadhaar no", "uidai", "uid"},
	cueZAID:    {"sa id", "rsa id", "south african id"},
	cueCPF:     {"cpf"},
	cueNationalID: {
		"national id", "national id number", "national id no", "id number", "id no", "id card", "identity card", "identity number",
		"ghana card", "huduma", "carte d'identite", "cni", "numero d'identite", "rg", "bilhete de identidade", "cartao de cidadao",
		"dni", "nie", "cedula", "documento de identidad", "personalausweis", "ausweis", "ausweisnummer", "steuer-id",
		"steuerid", "tax id", "tin", "nif", "nir", "numero de securite sociale", "securite sociale", "secu",
	},
	cuePassport: {
		"passport", "passport number", "passport no", "passeport", "numero de passeport", "passaporte", "pasaporte", "reisepass",
		"pass number", "passnummer",
	},
	cuePassword: {
		"password", "passwort", "passwd", "pwd", "pw", "passcode", "pass code", "pass-code", "mot de passe", "mdp", "senha",
		"contrasena", "clave", "kennwort", "pass", "wifi password", "wi-fi password",
	},
	cuePIN:       {"code secret", "code confidentiel", "code de carte", "codigo secreto", "pin", "mpin", "upi pin", "pin-nummer", "pin number", "pin no", "atm pin", "card pin", "code pin", "pin code", "pin-code", "geheimzahl", "codigo pin", "nip"},
	cuePINPostal: {"pincode", "pin code", "pin-code", "postal pin"},
}

// cueIndex maps each context word, as its letter words joined by one
// space ("a/c" is "a c", "pin-code" is "pin code"), to its cue, and gives
// the most words a context word has. Built on first use, not at package
// initialisation: every process links this package (issue 16).
var cueIndex = sync.OnceValues(indexCues)

func indexCues() (map[string]cue, int) {
	index := map[string]cue{}
	most := 0
	// Lower cues first, so a word listed twice goes to the first listing.
	for c := cueNeutral; c <= cuePINPostal; c++ {
		for _, w := range cueWords[c] {
			ws := letterWords(w)
			key := joinWords(w, ws)
			if _, dup := index[key]; dup {
				continue
			}
			index[key] = c
			most = max(most, len(ws))
		}
	}
	// "PIN code" is India's postcode as often as it is a PIN: the value's
	// shape decides (findSecrets).
	index["pin code"] = cuePINPostal
	return index, most
}

// span is a run of letters in the folded text.
type span struct{ start, end int }

// letterWords splits folded text into runs of letters; digits and
// punctuation separate them, so "nin12345678901" yields "nin".
func letterWords(s string) []span {
	var out []span
	for i := 0; i < len(s); {
		if !isLetter(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isLetter(s[j]) {
			j++
		}
		out = append(out, span{i, j})
		i = j
	}
	return out
}

func joinWords(s string, ws []span) string {
	var b strings.Builder
	for i, w := range ws {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[w.start:w.end])
	}
	return b.String()
}

// cueHit is one context word found in the folded text.
type cueHit struct {
	start, end int
	c          cue
}

// findCues finds context words, longest first ("pin code" before "pin"):
// consecutive letter words with at most three separator characters and no
// digit between them.
func findCues(s string) []cueHit {
	ws := letterWords(s)
	index, maxWords := cueIndex()
	var hits []cueHit
	for i := 0; i < len(ws); i++ {
		for n := min(maxWords, len(ws)-i); n >= 1; n-- {
			if !adjacent(s, ws[i:i+n]) {
				continue
			}
			if c, ok := index[joinWords(s, ws[i:i+n])]; ok {
				hits = append(hits, cueHit{start: ws[i].start, end: ws[i+n-1].end, c: c})
				i += n - 1
				break
			}
		}
	}
	return hits
}

func adjacent(s string, ws []span) bool {
	for k := 1; k < len(ws); k++ {
		gap := s[ws[k-1].end:ws[k].start]
		if len(gap) > 3 || strings.ContainsAny(gap, "0123456789") {
			return false
		}
	}
	return true
}

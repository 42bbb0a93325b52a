package main

import (
	"time"

	"github.com/shopvault/shopvault/vault"
)

// The vault's own types for audit entries and settings are stored and
// hashed as they are, keys left out when empty. docs/json.md promises
// every listed key in every object, so --json prints these views instead.

// auditEntryJSON is one audit list --json row: every key always present.
type auditEntryJSON struct {
	Seq     uint64    `json:"seq"`
	Time    time.Time `json:"time"`
	Actor   string    `json:"actor"`
	Role    string    `json:"role"`
	Action  string    `json:"action"`
	Aliases []string  `json:"aliases"`
	Count   int       `json:"count"`
	Detail  string    `json:"detail"`
	Reason  string    `json:"reason"`
	Prev    string    `json:"prev"`
	Hash    string    `json:"hash"`
}

func auditEntriesJSON(es []vault.AuditEntry) []auditEntryJSON {
	out := make([]auditEntryJSON, 0, len(es))
	for _, e := range es {
		aliases := e.Aliases
		if aliases == nil {
			aliases = []string{}
		}
		out = append(out, auditEntryJSON{Seq: e.Seq, Time: e.Time, Actor: e.Actor, Role: string(e.Role), Action: e.Action,
			Aliases: aliases, Count: e.Count, Detail: e.Detail, Reason: e.Reason, Prev: e.Prev, Hash: e.Hash})
	}
	return out
}

// settingsJSON is what settings --json prints.
type settingsJSON struct {
	ShopName              string `json:"shop_name"`
	ShopContact           string `json:"shop_contact"`
	ReasonRequiredSupport bool   `json:"reason_required_support"`
	Country               string `json:"country"`
}

func newSettingsJSON(st vault.Settings) settingsJSON {
	return settingsJSON{ShopName: st.ShopName, ShopContact: st.ShopContact, ReasonRequiredSupport: st.ReasonRequiredSupport, Country: st.Country}
}

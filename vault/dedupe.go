package vault

import (
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// DuplicatePair is a likely duplicate found by dedupe: two customers the
// duplicate rule matches (the same email, or the same phone and name).
type DuplicatePair struct {
	Keep   string `json:"keep"`
	Merge  string `json:"merge"`
	Reason string `json:"reason"`
	// Merged says this run merged Merge into Keep (Dedupe only).
	Merged bool `json:"merged"`
	// Differ names the fields both hold with different values (never the
	// values). Such a pair is two people sharing an email or a phone (a
	// family, added with --allow-duplicate): merging would lose one
	// person's data, so it is never merged. FindDuplicates, keyless, can
	// only tell a different name.
	Differ []string `json:"differ,omitempty"`
	keep   recordID
	merge  recordID
}

// FindDuplicates scans metadata for likely duplicates (same email token, or
// same phone and name tokens). Keyless: it compares index tokens only, so
// of the differences that keep a pair apart it sees only a different name.
func (v *Vault) FindDuplicates() ([]DuplicatePair, error) {
	var out []DuplicatePair
	err := v.view(func(tx *bolt.Tx) error {
		var err error
		out, err = findDuplicatePairs(tx, &tokenJudge{names: map[recordID]string{}})
		return err
	})
	return out, err
}

// Dedupe merges every likely duplicate that holds nothing different from
// the older record (after the duplicate rule's normalisation): empty
// fields filled, aliases moved (so both keep resolving), shipments
// relinked, consents kept; the newer record is erased with a "merge"
// tombstone. A pair that differs in any field both hold is returned with
// Differ set and left apart.
func (v *Vault) Dedupe() ([]DuplicatePair, error) {
	var pairs []DuplicatePair
	merged := 0
	err := v.update(func(tx *bolt.Tx) error {
		if err := v.need(tx, SealedGroups[0], SealedGroups[1], SealedGroups[2], GroupIndex); err != nil {
			return err
		}
		var err error
		pairs, err = findDuplicatePairs(tx, &fieldJudge{v: v, tx: tx, fields: map[recordID]map[string]string{}})
		if err != nil {
			return err
		}
		var aliases []string
		for i, p := range pairs {
			if len(p.Differ) > 0 {
				continue
			}
			if err := v.mergeRecords(tx, p.keep, p.merge); err != nil {
				return err
			}
			pairs[i].Merged = true
			merged++
			aliases = append(aliases, p.Keep, p.Merge)
		}
		if merged == 0 {
			return nil
		}
		return v.appendAudit(tx, AuditEntry{Action: "dedupe", Aliases: aliases, Count: merged})
	})
	if err != nil || merged == 0 {
		return pairs, err
	}
	return pairs, v.Compact()
}

// pairJudge tells whether a duplicate pair may merge.
type pairJudge interface {
	// differ names the fields keep and merge both hold with different
	// values.
	differ(keep, merge recordID, km, mm *recordMeta) ([]string, error)
	// merged notes that keep now also holds what merge held, so that a
	// later pair is judged against the merged record.
	merged(keep, merge recordID)
}

// findDuplicatePairs pairs each record with an earlier one the duplicate
// rule matches, preferring one it does not differ from; a record that
// differs from every match is paired with the first, Differ set.
func findDuplicatePairs(tx *bolt.Tx, judge pairJudge) ([]DuplicatePair, error) {
	byEmail := map[string][]recordID{}
	byPhoneName := map[string][]recordID{}
	metas := map[recordID]*recordMeta{}
	var out []DuplicatePair
	err := tx.Bucket(bRecords).ForEach(func(k, _ []byte) error {
		var id recordID
		copy(id[:], k)
		m, err := loadMeta(tx, id)
		if err != nil || m == nil {
			return err
		}
		email := tokenPrefix(m.Index["email"])
		pn := ""
		if p, n := m.Index["phone"], m.Index["name"]; p != "" && n != "" {
			pn = tokenPrefix(p) + tokenPrefix(n)
		}
		var candidates []DuplicatePair
		if email != "" {
			for _, c := range byEmail[email] {
				candidates = append(candidates, DuplicatePair{Reason: "same email", keep: c})
			}
		}
		if pn != "" {
			for _, c := range byPhoneName[pn] {
				candidates = append(candidates, DuplicatePair{Reason: "same phone and name", keep: c})
			}
		}
		var apart *DuplicatePair
		for _, p := range candidates {
			differ, err := judge.differ(p.keep, id, metas[p.keep], m)
			if err != nil {
				return err
			}
			p.Keep, p.Merge, p.merge, p.Differ = crypto.FormatAlias(metas[p.keep].Alias), crypto.FormatAlias(m.Alias), id, differ
			if len(differ) > 0 {
				if apart == nil {
					apart = &p
				}
				continue
			}
			judge.merged(p.keep, id)
			out = append(out, p)
			// The kept record now answers to the merged one's email,
			// phone and name too.
			addCandidate(byEmail, email, p.keep)
			addCandidate(byPhoneName, pn, p.keep)
			return nil
		}
		if apart != nil {
			out = append(out, *apart)
		}
		metas[id] = m
		addCandidate(byEmail, email, id)
		addCandidate(byPhoneName, pn, id)
		return nil
	})
	return out, err
}

func addCandidate(by map[string][]recordID, key string, id recordID) {
	if key == "" {
		return
	}
	for _, c := range by[key] {
		if c == id {
			return
		}
	}
	by[key] = append(by[key], id)
}

// tokenJudge judges keylessly by the name index tokens: two different
// names never merge.
type tokenJudge struct {
	names map[recordID]string // name token prefixes, as merged so far
}

func (j *tokenJudge) name(id recordID, m *recordMeta) string {
	if n, ok := j.names[id]; ok {
		return n
	}
	n := tokenPrefix(m.Index["name"])
	j.names[id] = n
	return n
}

func (j *tokenJudge) differ(keep, merge recordID, km, mm *recordMeta) ([]string, error) {
	if a, b := j.name(keep, km), j.name(merge, mm); a != "" && b != "" && a != b {
		return []string{"name"}, nil
	}
	return nil, nil
}

func (j *tokenJudge) merged(keep, merge recordID) {
	if j.names[keep] == "" {
		j.names[keep] = j.names[merge]
	}
}

// fieldJudge judges by the opened fields: any field both hold with
// values that differ after normalisation keeps the pair apart. The opened
// values stay in memory only.
type fieldJudge struct {
	v      *Vault
	tx     *bolt.Tx
	fields map[recordID]map[string]string // as merged so far
}

func (j *fieldJudge) open(id recordID, m *recordMeta) (map[string]string, error) {
	if f, ok := j.fields[id]; ok {
		return f, nil
	}
	f, err := j.v.readFields(j.tx, id, m, m.Fields)
	if err != nil {
		return nil, err
	}
	j.fields[id] = f
	return f, nil
}

func (j *fieldJudge) differ(keep, merge recordID, km, mm *recordMeta) ([]string, error) {
	a, err := j.open(keep, km)
	if err != nil {
		return nil, err
	}
	b, err := j.open(merge, mm)
	if err != nil {
		return nil, err
	}
	return differingFields(a, b), nil
}

// merged fills the kept record's empty fields, as mergeInto will.
func (j *fieldJudge) merged(keep, merge recordID) {
	k := j.fields[keep]
	for f, val := range j.fields[merge] {
		if k[f] == "" {
			k[f] = val
		}
	}
}

// differingFields names, in FieldNames order, the fields a and b both hold
// with values that differ after normalisation.
func differingFields(a, b map[string]string) []string {
	var out []string
	for _, f := range FieldNames {
		x, y := a[f], b[f]
		if x != "" && y != "" && comparableValue(f, x) != comparableValue(f, y) {
			out = append(out, f)
		}
	}
	return out
}

// comparableValue folds what the duplicate rule folds: an email's case, a
// name's case, accents, spacing and punctuation (the same folding for the
// other text fields), a postcode's spaces. Phones are stored as E.164.
func comparableValue(field, val string) string {
	switch field {
	case "email":
		return NormalizeEmail(val)
	case "phone":
		return val
	case "postcode":
		return strings.ReplaceAll(NormalizeName(val), " ", "")
	}
	return NormalizeName(val)
}

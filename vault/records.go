package vault

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// Customer is what the vault hands out about one customer. Fields holds only
// the values this session asked for and could open.
type Customer struct {
	ID               string             `json:"-"`
	Alias            string             `json:"alias"`
	Created          time.Time          `json:"created"`
	Updated          time.Time          `json:"updated"`
	LastActivity     time.Time          `json:"last_activity"`
	LastShipment     *time.Time         `json:"last_shipment,omitempty"`
	Held             []string           `json:"fields_held"`
	Fields           map[string]string  `json:"-"`
	Consent          map[string]Consent `json:"consent"`
	ConsentWithdrawn *time.Time         `json:"consent_withdrawn,omitempty"`
	ErasureRequested *time.Time         `json:"erasure_requested,omitempty"`
	Hold             *Hold              `json:"hold,omitempty"`
}

func customerFromMeta(id recordID, m *recordMeta) Customer {
	c := Customer{
		ID: id.String(), Alias: crypto.FormatAlias(m.Alias), Created: m.Created, Updated: m.Updated,
		LastActivity: m.LastActivity, LastShipment: m.LastShipment, Held: append([]string(nil), m.Fields...),
		Consent: m.Consent, ConsentWithdrawn: m.ConsentWithdrawn, ErasureRequested: m.ErasureRequested, Hold: m.Hold,
	}
	if c.Consent == nil {
		c.Consent = map[string]Consent{}
	}
	return c
}

// NewCustomer is one customer to add.
type NewCustomer struct {
	Fields map[string]string
	// Created back-dates an existing customer: it sets created and last
	// activity. Zero means now.
	Created time.Time
	Consent []string
	// AllowDuplicate adds the customer even when the duplicate rule
	// (duplicateOf) matches an existing one: two people sharing an email,
	// a family. Otherwise Add and AddAll refuse with a DuplicateError.
	AllowDuplicate bool
}

// Index kinds: one byte each in the index key.
const (
	kindEmail = 'e'
	kindPhone = 'p'
	kindName  = 'n'
)

var kindNames = map[byte]string{kindEmail: "email", kindPhone: "phone", kindName: "name"}

// fieldKind is the index kind of each indexed field (they share a name).
var fieldKind = map[string]byte{"email": kindEmail, "phone": kindPhone, "name": kindName}

func indexValues(fields map[string]string) map[byte]string {
	out := map[byte]string{}
	if e := fields["email"]; e != "" {
		out[kindEmail] = NormalizeEmail(e)
	}
	if p := fields["phone"]; p != "" {
		out[kindPhone] = p
	}
	if n := fields["name"]; n != "" {
		if nn := NormalizeName(n); nn != "" {
			out[kindName] = nn
		}
	}
	return out
}

func kindByte(kind string) byte {
	for b, n := range kindNames {
		if n == kind {
			return b
		}
	}
	return 0
}

func indexKey(kind byte, token []byte, id recordID) []byte {
	k := make([]byte, 0, 1+len(token)+idLen)
	k = append(k, kind)
	k = append(k, token...)
	return append(k, id[:]...)
}

func loadMeta(tx *bolt.Tx, id recordID) (*recordMeta, error) {
	data := tx.Bucket(bRecords).Get(id[:])
	if data == nil {
		return nil, nil
	}
	m, err := decodeRecord(tx, id[:], data)
	if err != nil {
		return nil, &IntegrityError{What: fmt.Sprintf("record %s metadata does not decode", id)}
	}
	return m, nil
}

// putMeta stores a record's metadata and sealed value as one value.
func (v *Vault) putMeta(tx *bolt.Tx, id recordID, m *recordMeta) error {
	val := encodeMeta(m)
	if err := v.putTaggedRecord(tx, id[:], val, len(val)-len(m.sealed), m.sealedHash); err != nil {
		return err
	}
	if m.sealedApart {
		m.sealedApart = false
		return tx.Bucket(bFields).Delete(id[:])
	}
	return nil
}

// setSealed replaces a record's sealed value (nil when no field is left);
// putMeta stores it.
func setSealed(m *recordMeta, groups []crypto.SealedGroup) {
	n := 0
	for _, g := range groups {
		n += len(g.Fields)
	}
	m.sealed, m.sealedHash = nil, nil
	if n > 0 {
		m.sealed = crypto.EncodeRecord(groups)
	}
}

// loadSealed parses a record's sealed value (nil when it holds no field).
func loadSealed(id recordID, m *recordMeta) ([]crypto.SealedGroup, error) {
	if m.sealed == nil {
		return nil, nil
	}
	groups, err := crypto.ParseRecord(m.sealed)
	if err != nil {
		return nil, &IntegrityError{What: fmt.Sprintf("record %s: the sealed value does not parse", id)}
	}
	return groups, nil
}

func findGroup(groups []crypto.SealedGroup, group Group) *crypto.SealedGroup {
	for i := range groups {
		if groups[i].Code == groupCode[group] {
			return &groups[i]
		}
	}
	return nil
}

// deleteIndex removes a record's index entries, deferred and sorted when
// a batch is collecting pending writes.
func (v *Vault) deleteIndex(tx *bolt.Tx, id recordID, m *recordMeta) error {
	if v.pending == nil {
		return deleteIndexEntries(tx, id, m)
	}
	for kind, tokHex := range m.Index {
		tok, err := hex.DecodeString(tokHex)
		if err != nil {
			return &IntegrityError{What: fmt.Sprintf("record %s has a bad index token", id)}
		}
		key := indexKey(kindByte(kind), tok, id)
		v.pending.deleteIndex(m.IndexVersion, key)
		v.pending.dels[m.IndexVersion] = append(v.pending.dels[m.IndexVersion], string(key))
	}
	m.Index = nil
	return nil
}

// deleteIndexEntries removes a record's blind index entries using the tokens
// kept in its metadata: no key needed (keyless purge relies on this).
func deleteIndexEntries(tx *bolt.Tx, id recordID, m *recordMeta) error {
	if len(m.Index) == 0 {
		return nil
	}
	vb := tx.Bucket(bIndex).Bucket(versionBucketName(m.IndexVersion))
	if vb == nil {
		return nil
	}
	for kind, tokHex := range m.Index {
		tok, err := hex.DecodeString(tokHex)
		if err != nil {
			return &IntegrityError{What: fmt.Sprintf("record %s has a bad index token", id)}
		}
		if err := vb.Delete(indexKey(kindByte(kind), tok, id)); err != nil {
			return err
		}
	}
	m.Index = nil
	return nil
}

// readFields opens the requested fields of a record. Callers have checked
// the groups; a value that does not authenticate is an integrity failure,
// never another customer's data.
func (v *Vault) readFields(tx *bolt.Tx, id recordID, m *recordMeta, want []string) (map[string]string, error) {
	var groups []crypto.SealedGroup
	for _, f := range want {
		if m.hasField(f) {
			var err error
			if groups, err = loadSealed(id, m); err != nil {
				return nil, err
			}
			break
		}
	}
	return openFields(id, m, groups, want, func(group Group, version uint32) (*crypto.Sealer, error) {
		return v.keys.sealer(tx, group, version)
	})
}

// openFields is readFields on a record's parsed sealed groups, with the
// sealers sealerFor gives (rotation's workers hold their own).
func openFields(id recordID, m *recordMeta, groups []crypto.SealedGroup, want []string, sealerFor func(group Group, version uint32) (*crypto.Sealer, error)) (map[string]string, error) {
	out := map[string]string{}
	for _, f := range want {
		if !m.hasField(f) {
			continue
		}
		g := findGroup(groups, FieldGroup[f])
		if g == nil {
			return nil, &IntegrityError{What: fmt.Sprintf("record %s: field %s is listed but missing", id, f)}
		}
		if _, ok := g.Field(fieldCode[f]); !ok {
			return nil, &IntegrityError{What: fmt.Sprintf("record %s: field %s is listed but missing", id, f)}
		}
		s, err := sealerFor(FieldGroup[f], g.Version)
		if err != nil {
			return nil, err
		}
		pt, err := s.OpenField(g, id[:], f, fieldCode[f])
		if err != nil {
			return nil, &IntegrityError{What: fmt.Sprintf("record %s: field %s does not authenticate (tampered, or moved from another record)", id, f)}
		}
		out[f] = string(pt)
	}
	return out, nil
}

func groupsOf(fields []string) []Group {
	seen := map[Group]bool{}
	var out []Group
	for _, g := range SealedGroups {
		for _, f := range fields {
			if FieldGroup[f] == g && !seen[g] {
				seen[g] = true
				out = append(out, g)
			}
		}
	}
	return out
}

func (v *Vault) mintAlias(tx *bolt.Tx) (string, error) {
	ab := tx.Bucket(bAliases)
	for range 32 {
		a, err := crypto.MintAlias(v.opts.Rand)
		if err != nil {
			return "", err
		}
		if ab.Get([]byte(a)) != nil {
			continue
		}
		if v.pending != nil {
			if _, taken := v.pending.aliases[a]; taken {
				continue
			}
		}
		if v.held != nil && v.held.hasAlias(a) {
			continue
		}
		return a, nil
	}
	return "", errors.New("could not mint a unique alias")
}

func (v *Vault) putAlias(tx *bolt.Tx, alias string, id recordID, e aliasEntry) error {
	e.Record = id.String()
	return v.writeAliasEntry(tx, alias, e, id)
}

// writeAliasEntry stores an alias entry (deferred in a batch) and its link.
func (v *Vault) writeAliasEntry(tx *bolt.Tx, alias string, e aliasEntry, id recordID) error {
	if v.pending != nil {
		v.pending.aliases[alias] = encodeAlias(&e)
	} else if err := v.putAliasEntry(tx, []byte(alias), e); err != nil {
		return err
	}
	if e.Primary {
		return nil // the record's metadata names its primary alias
	}
	return tx.Bucket(bRecAliases).Put(append(append([]byte{}, id[:]...), alias...), nil)
}

// addInTx adds one customer inside tx and returns its primary alias.
// pre, when not nil, is the customer already sealed and indexed (by
// import's preparing goroutine) under the keys current in tx.
// tail, when not nil, is the running import's: the new customer's index and
// alias entries wait for it.
func (v *Vault) addInTx(tx *bolt.Tx, nc NewCustomer, normalized map[string]string, pre *sealedRecord, tail *importTail) (string, recordID, error) {
	now := v.now()
	var id recordID
	if pre != nil {
		id = pre.id
		v.ids.observe(id)
	} else {
		var err error
		if id, err = v.ids.next(now); err != nil {
			return "", id, err
		}
	}
	created := now
	if !nc.Created.IsZero() {
		created = nc.Created.UTC()
	}
	m := &recordMeta{Created: created, Updated: now, LastActivity: created}
	if len(nc.Consent) > 0 {
		m.Consent = map[string]Consent{}
		for _, c := range nc.Consent {
			m.Consent[c] = Consent{Granted: true, At: created}
		}
	}
	if pre == nil {
		tail = nil // only a record sealed ahead has its tokens in hand
	}
	if pre != nil {
		if err := v.applySealed(tx, m, *pre, tail != nil); err != nil {
			return "", id, err
		}
	} else if err := v.writeFields(tx, id, m, normalized); err != nil {
		return "", id, err
	}
	alias, err := v.mintAlias(tx)
	if err != nil {
		return "", id, err
	}
	m.Alias = alias
	if tail != nil {
		// indexTail writes this alias entry ({record, primary, created =
		// updated}) and the index entries from the metadata.
		tail.add(*pre, alias, now)
		if err := markTail(tx, id); err != nil {
			return "", id, err
		}
	} else if err := v.putAlias(tx, alias, id, aliasEntry{Primary: true, Created: now}); err != nil {
		return "", id, err
	}
	return alias, id, v.putMeta(tx, id, m)
}

// PrepareCustomer validates and normalises a customer without touching the
// vault (import --dry-run, guided add).
func PrepareCustomer(nc NewCustomer) (map[string]string, error) {
	return prepareCustomer(nc, "")
}

// prepareCustomer is PrepareCustomer with the vault's default country, used
// for a national phone and for an address given without a country.
func prepareCustomer(nc NewCustomer, defaultCountry string) (map[string]string, error) {
	if err := ValidateConsent(nc.Consent); err != nil {
		return nil, err
	}
	norm, err := NormalizeFields(nc.Fields, defaultCountry)
	if err != nil {
		return nil, err
	}
	if len(norm) == 0 {
		return nil, &InputError{Reason: "no fields given: a customer needs at least a name, email or phone"}
	}
	if defaultCountry != "" && norm["country"] == "" && hasAddress(norm) {
		norm["country"] = defaultCountry
	}
	return norm, nil
}

func hasAddress(norm map[string]string) bool {
	return norm["line1"] != "" || norm["city"] != "" || norm["postcode"] != ""
}

// defaultCountry is the vault's default country, "" when none is set.
func (v *Vault) defaultCountry() (string, error) {
	st, err := v.Settings()
	return st.Country, err
}

// Add validates and stores one customer in one transaction.
func (v *Vault) Add(nc NewCustomer) (string, error) {
	def, err := v.defaultCountry()
	if err != nil {
		return "", err
	}
	norm, err := prepareCustomer(nc, def)
	if err != nil {
		return "", err
	}
	var alias string
	err = v.update(func(tx *bolt.Tx) error {
		if err := v.need(tx, append(groupsOf(keysOf(norm)), GroupIndex)...); err != nil {
			return err
		}
		if !nc.AllowDuplicate {
			if err := v.refuseDuplicate(tx, norm, 0); err != nil {
				return err
			}
		}
		a, _, err := v.addInTx(tx, nc, norm, nil, nil)
		if err != nil {
			return err
		}
		alias = a
		return v.appendAudit(tx, AuditEntry{Action: "add", Aliases: []string{a}})
	})
	return crypto.FormatAlias(alias), err
}

func keysOf(m map[string]string) []string {
	var out []string
	for _, f := range FieldNames {
		if _, ok := m[f]; ok {
			out = append(out, f)
		}
	}
	return out
}

// Show returns a customer with the requested fields (nil: every field held).
// It needs the keys of every group those fields belong to, and is recorded.
func (v *Vault) Show(alias string, fields []string) (Customer, error) {
	var c Customer
	err := v.update(func(tx *bolt.Tx) error {
		id, m, canon, err := v.resolve(tx, alias)
		if err != nil {
			return err
		}
		if err := v.refuseCustomerName(tx, id, m, "reason", v.opts.Reason); err != nil {
			return err
		}
		want := fields
		if want == nil {
			want = m.Fields
		}
		if err := v.need(tx, groupsOf(want)...); err != nil {
			return err
		}
		vals, err := v.readFields(tx, id, m, want)
		if err != nil {
			return err
		}
		c = customerFromMeta(id, m)
		c.Fields = vals
		return v.appendAudit(tx, AuditEntry{Action: "show", Aliases: []string{canon}, Detail: strings.Join(keysOf(vals), ",")})
	})
	return c, err
}

// FindQuery is one exact lookup.
type FindQuery struct {
	Email, Phone, Name string
	// Country is the default region for a phone typed in national format.
	Country string
}

// Find looks customers up through the blind index: exact matches after
// normalisation, O(log n), without opening any other record. All given
// criteria must match.
func (v *Vault) Find(q FindQuery) ([]Customer, error) {
	type crit = findCriterion
	var crits []crit
	if q.Email != "" {
		crits = append(crits, crit{kindEmail, NormalizeEmail(q.Email)})
	}
	if q.Phone != "" {
		country := q.Country
		if country == "" {
			def, err := v.defaultCountry()
			if err != nil {
				return nil, err
			}
			country = def
		} else if code, ok := CountryCode(country); ok {
			country = code
		} else {
			return nil, &InputError{Field: "country", Reason: "is not a country (give an ISO code such as NG, or a name such as Nigeria)"}
		}
		p, err := NormalizePhone(q.Phone, country)
		if err != nil {
			return nil, err
		}
		crits = append(crits, crit{kindPhone, p})
	}
	if q.Name != "" {
		crits = append(crits, crit{kindName, NormalizeName(q.Name)})
	}
	if len(crits) == 0 {
		return nil, ErrNoQuery
	}
	var out []Customer
	err := v.update(func(tx *bolt.Tx) error {
		var ids map[recordID]bool
		for _, c := range crits {
			found, err := v.lookup(tx, c.kind, c.val)
			if err != nil {
				return err
			}
			if ids == nil {
				ids = found
				continue
			}
			for id := range ids {
				if !found[id] {
					delete(ids, id)
				}
			}
		}
		var aliases []string
		for id := range ids {
			m, err := loadMeta(tx, id)
			if err != nil {
				return err
			}
			if m == nil {
				continue
			}
			for _, c := range crits {
				if err := v.holdsToken(tx, m, c.kind, c.val); err != nil {
					return err
				}
			}
			out = append(out, customerFromMeta(id, m))
			aliases = append(aliases, m.Alias)
		}
		sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
		sort.Strings(aliases)
		if len(out) == 0 {
			return v.confirmMiss(tx, crits)
		}
		return v.appendAudit(tx, AuditEntry{Action: "find", Aliases: aliases, Count: len(aliases)})
	})
	if err == nil && len(out) == 0 {
		return nil, &NotFoundError{Reason: NotFoundNoMatch}
	}
	return out, err
}

// lookup returns the records whose index token for (kind, value) matches, in
// every index key version present (more than one only mid-rotation).
func (v *Vault) lookup(tx *bolt.Tx, kind byte, value string) (map[recordID]bool, error) {
	return v.lookupWith(tx, kind, func() string { return value }, nil)
}

// lookupWith is lookup reusing the tokens of a record sealed ahead (same
// value) for the index version they were computed under.
func (v *Vault) lookupWith(tx *bolt.Tx, kind byte, value func() string, pre *sealedRecord) (map[recordID]bool, error) {
	var out map[recordID]bool // allocated on the first match: most lookups of an import find none
	buckets := v.indexBuckets(tx)
	// Mid-rotation (more than one version): the versions each record was
	// found in, to tell a leftover of the old version from a match.
	var foundIn map[recordID][]uint32
	var ver uint32
	add := func(k []byte) {
		if out == nil {
			out = map[recordID]bool{}
		}
		var id recordID
		copy(id[:], k[len(k)-idLen:])
		out[id] = true
		if len(buckets) > 1 {
			if foundIn == nil {
				foundIn = map[recordID][]uint32{}
			}
			foundIn[id] = append(foundIn[id], ver)
		}
	}
	for _, ib := range buckets {
		ver = ib.version
		var tok []byte
		if pre != nil && pre.indexVersion == ver {
			tok = pre.token(kind)
		}
		if tok == nil {
			ix, err := v.keys.indexer(tx, ver)
			if err != nil {
				return nil, err
			}
			tok = ix.Token(kindNames[kind], value())
		}
		prefix := append([]byte{kind}, tok...)
		if v.pending != nil {
			v.pending.scanIndex(ver, prefix, add)
		}
		if v.held != nil {
			v.held.scanIndex(ver, prefix, add)
		}
		c := ib.cursor
		if c == nil {
			continue
		}
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			// The record id is the key's tail: format-1 keys hold a longer
			// token that starts with the same bytes.
			if len(k) >= len(prefix)+idLen {
				add(k)
			}
		}
	}
	for id, vers := range foundIn {
		stale, err := v.leftoverEntry(tx, id, vers, kind, value, pre)
		if err != nil {
			return nil, err
		}
		if stale {
			delete(out, id)
		}
	}
	return out, nil
}

// leftoverEntry tells whether record id's index entries for (kind, value)
// in index versions vers are leftovers of a value it no longer holds. A
// rotation drops the old version's bucket whole when it ends
// (docs/design-notes.md), so a record it has re-indexed under the new
// version and that is then edited, merged into or purged keeps its old
// entries there until then. Only entries outside the version the record's
// metadata names can be such leftovers: they match only if the record
// holds the value's token under its own version. An entry in the record's
// own version is left for holdsToken, which refuses one the record does
// not back (changed from outside).
func (v *Vault) leftoverEntry(tx *bolt.Tx, id recordID, vers []uint32, kind byte, value func() string, pre *sealedRecord) (bool, error) {
	m, err := loadMeta(tx, id)
	if err != nil {
		return false, err
	}
	if m == nil {
		return true, nil // erased since: its entries here go with the bucket
	}
	if m.Index == nil || slices.Contains(vers, m.IndexVersion) {
		return false, nil
	}
	var tok []byte
	if pre != nil && pre.indexVersion == m.IndexVersion {
		tok = pre.token(kind)
	}
	if tok == nil {
		ix, err := v.keys.indexer(tx, m.IndexVersion)
		if err != nil {
			return false, err
		}
		tok = ix.Token(kindNames[kind], value())
	}
	// A format-1 index version's tokens are longer and start with today's.
	stored := m.Index[kindNames[kind]]
	return stored == "" || !strings.HasPrefix(stored, hex.EncodeToString(tok)), nil
}

// indexBucket is one index version's bucket with a cursor for lookups.
type indexBucket struct {
	version uint32
	cursor  *bolt.Cursor
	// legacy: the version predates format 2, so entries may hold format
	// 1's 16-byte tokens (found by prefix, not by exact key)
	legacy bool
}

// hasIndexEntry tells whether record id has the index entry of (kind,
// value) in any index version: an exact-key lookup.
func (v *Vault) hasIndexEntry(tx *bolt.Tx, kind byte, value func() string, pre *sealedRecord, id recordID) (bool, error) {
	buckets := v.indexBuckets(tx)
	found := func(ver uint32) (bool, error) {
		if len(buckets) == 1 {
			return true, nil
		}
		stale, err := v.leftoverEntry(tx, id, []uint32{ver}, kind, value, pre)
		return !stale, err
	}
	for _, ib := range buckets {
		var tok []byte
		if pre != nil && pre.indexVersion == ib.version {
			tok = pre.token(kind)
		}
		if tok == nil {
			ix, err := v.keys.indexer(tx, ib.version)
			if err != nil {
				return false, err
			}
			tok = ix.Token(kindNames[kind], value())
		}
		key := indexKey(kind, tok, id)
		hit := (v.pending != nil && v.pending.has(ib.version, key)) || (v.held != nil && v.held.has(ib.version, key))
		if !hit && ib.cursor != nil {
			if k, _ := ib.cursor.Seek(key); bytes.Equal(k, key) {
				hit = true
			}
		}
		if !hit && ib.cursor != nil && ib.legacy {
			prefix := key[:1+len(tok)]
			for k, _ := ib.cursor.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = ib.cursor.Next() {
				if bytes.HasSuffix(k, id[:]) {
					hit = true
					break
				}
			}
		}
		if hit {
			if ok, err := found(ib.version); ok || err != nil {
				return ok, err
			}
		}
	}
	return false, nil
}

// indexBuckets lists the index version buckets present. A batch keeps
// them for all its lookups: its own new entries are pending until the
// end, so a bucket it creates meanwhile holds nothing to find yet.
func (v *Vault) indexBuckets(tx *bolt.Tx) []indexBucket {
	if v.pending != nil && v.pending.indexBuckets != nil {
		return v.pending.indexBuckets
	}
	out := []indexBucket{}
	for _, ver := range keyVersions(tx, GroupIndex) {
		// A version without a bucket yet still has pending entries to scan.
		ib := indexBucket{version: ver, legacy: legacyIndexVersion(tx, ver)}
		if vb := tx.Bucket(bIndex).Bucket(versionBucketName(ver)); vb != nil {
			ib.cursor = vb.Cursor()
		}
		out = append(out, ib)
	}
	if v.pending != nil {
		v.pending.indexBuckets = out
	}
	return out
}

// ListFilter selects customers for list.
type ListFilter struct {
	Consent string // only those who granted this purpose
	Fields  []string
}

// List returns every customer's metadata (no key needed), optionally with
// fields (then the keys of their groups are needed, and it is recorded).
func (v *Vault) List(f ListFilter) ([]Customer, error) {
	var out []Customer
	fn := func(tx *bolt.Tx) error {
		if len(f.Fields) > 0 {
			if err := v.need(tx, groupsOf(f.Fields)...); err != nil {
				return err
			}
		}
		var aliases []string
		err := forEachRecord(tx, func(id recordID, m *recordMeta) error {
			if f.Consent != "" && !m.Consent[f.Consent].Granted {
				return nil
			}
			c := customerFromMeta(id, m)
			if len(f.Fields) > 0 {
				vals, err := v.readFields(tx, id, m, f.Fields)
				if err != nil {
					return err
				}
				c.Fields = vals
				aliases = append(aliases, m.Alias)
			}
			out = append(out, c)
			return nil
		})
		if err != nil || len(aliases) == 0 {
			return err
		}
		return v.appendAudit(tx, AuditEntry{Action: "list", Count: len(aliases), Detail: strings.Join(f.Fields, ",")})
	}
	var err error
	if len(f.Fields) > 0 && !v.opts.ReadOnly {
		err = v.update(fn)
	} else {
		err = v.view(fn)
	}
	return out, err
}

// Edit changes fields of a customer: set holds new values, an empty value
// clears the field. One transaction; it counts as customer activity.
func (v *Vault) Edit(alias string, set map[string]string) (Customer, error) {
	return v.EditWith(alias, set, EditOptions{})
}

// EditOptions are the choices of an edit.
type EditOptions struct {
	// AllowDuplicate changes the customer even when the new email, or the
	// new phone and name, match another customer by the duplicate rule
	// (two people sharing them). Otherwise the edit is refused with a
	// DuplicateError, as Add refuses.
	AllowDuplicate bool
}

// EditWith is Edit with options.
func (v *Vault) EditWith(alias string, set map[string]string, o EditOptions) (Customer, error) {
	var c Customer
	for f := range set {
		if !IsField(f) {
			return c, &InputError{Field: f, Reason: "unknown field"}
		}
	}
	err := v.update(func(tx *bolt.Tx) error {
		id, m, canon, err := v.resolve(tx, alias)
		if err != nil {
			return err
		}
		// Re-sealing touches every field held plus those set.
		all := append(append([]string{}, m.Fields...), keysOf(set)...)
		if err := v.need(tx, append(groupsOf(all), GroupIndex)...); err != nil {
			return err
		}
		cur, err := v.readFields(tx, id, m, m.Fields)
		if err != nil {
			return err
		}
		before := maps.Clone(cur)
		nonEmpty := map[string]string{}
		for f, val := range set {
			if strings.TrimSpace(val) != "" {
				nonEmpty[f] = val
			}
		}
		country := cur["country"]
		if country == "" {
			var st Settings
			if _, err := getJSON(tx.Bucket(bMeta), mSettings, &st); err != nil {
				return err
			}
			country = st.Country
		}
		norm, err := NormalizeFields(nonEmpty, country)
		if err != nil {
			return err
		}
		for f := range set {
			if nv, ok := norm[f]; ok {
				cur[f] = nv
			} else {
				delete(cur, f)
			}
		}
		if len(cur) == 0 {
			return &InputError{Reason: "an edit may not clear every field; use forget to erase a customer"}
		}
		if !o.AllowDuplicate {
			if err := v.refuseDuplicateOf(tx, editedDuplicateKeys(before, cur), 0, &id); err != nil {
				return err
			}
		}
		changed := keysOf(set)
		if err := v.writeFields(tx, id, m, cur); err != nil {
			return err
		}
		now := v.now()
		m.Updated, m.LastActivity = now, now
		if err := v.putMeta(tx, id, m); err != nil {
			return err
		}
		c = customerFromMeta(id, m)
		return v.appendAudit(tx, AuditEntry{Action: "edit", Aliases: []string{canon}, Detail: strings.Join(changed, ",")})
	})
	return c, err
}

// AddAll adds validated customers in one transaction: all or nothing.
func (v *Vault) AddAll(batch []NewCustomer) ([]string, error) {
	def, err := v.defaultCountry()
	if err != nil {
		return nil, err
	}
	norms := make([]map[string]string, len(batch))
	groups := map[Group]bool{GroupIndex: true}
	for i, nc := range batch {
		n, err := prepareCustomer(nc, def)
		if err != nil {
			return nil, err
		}
		norms[i] = n
		for _, g := range groupsOf(keysOf(n)) {
			groups[g] = true
		}
	}
	var need []Group
	for _, g := range AllGroups {
		if groups[g] {
			need = append(need, g)
		}
	}
	out := make([]string, 0, len(batch))
	err = v.update(func(tx *bolt.Tx) error {
		if err := v.need(tx, need...); err != nil {
			return err
		}
		var canon []string
		for i, nc := range batch {
			// Each is checked against the ones before it in the batch too.
			if !nc.AllowDuplicate {
				if err := v.refuseDuplicate(tx, norms[i], i); err != nil {
					return err
				}
			}
			a, _, err := v.addInTx(tx, nc, norms[i], nil, nil)
			if err != nil {
				return err
			}
			canon = append(canon, a)
			out = append(out, crypto.FormatAlias(a))
		}
		return v.appendAudit(tx, AuditEntry{Action: "add", Aliases: canon, Count: len(canon)})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// holdsToken checks that a record found through the index carries the
// token of what was searched in its own metadata: index entries are not
// tagged (docs/format.md, "Entry tags"), the record is, so an entry added
// or moved from outside cannot make find return another customer.
func (v *Vault) holdsToken(tx *bolt.Tx, m *recordMeta, kind byte, value string) error {
	stored, ok := m.Index[kindNames[kind]]
	if m.Index == nil {
		return nil // format 1 kept no tokens in the metadata
	}
	if ok {
		ix, err := v.keys.indexer(tx, m.IndexVersion)
		if err != nil {
			return err
		}
		// A format-1 index version's tokens are longer and start with
		// today's.
		if want := hex.EncodeToString(ix.Token(kindNames[kind], value)); stored != "" && strings.HasPrefix(stored, want) {
			return nil
		}
	}
	return &IntegrityError{What: fmt.Sprintf("an index entry points to a customer whose record does not hold the %s searched for: the index was changed from outside", kindNames[kind])}
}

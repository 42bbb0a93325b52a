package vault

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// ImportProblem is one row that did not go in. Reason never quotes the
// refused value.
type ImportProblem struct {
	Line   int    `json:"row"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// ImportOptions choose how import treats duplicates and whether it writes.
type ImportOptions struct {
	DryRun bool
	// Merge fills empty fields of the existing customer instead of skipping.
	Merge bool
	// Report receives every refused or skipped row as it happens.
	Report func(ImportProblem)
	// Progress, when set, is told the rows read after each batch instead
	// of the vault's Options.Progress.
	Progress func(rows int)
	// Preview, when set, receives each row that goes in (or would, in a
	// dry run) with its values as stored: import --dry-run shows the first.
	Preview func(line int, fields map[string]string)
}

// ImportResult summarises an import.
type ImportResult struct {
	Format     string `json:"format"`
	Rows       int    `json:"rows"`
	Added      int    `json:"added"`
	Merged     int    `json:"merged"`
	Duplicates int    `json:"duplicates"`
	Refused    int    `json:"refused"`
	DryRun     bool   `json:"dry_run"`
}

var errRollback = errors.New("dry run: roll back")

type pendingRow struct {
	row ImportRow
	nc  NewCustomer
	// normMap holds the normalised values until the row is sealed; then
	// vals does (a batch and a queue of rows wait in memory, and a map
	// costs four times the array).
	normMap map[string]string
	vals    fieldValues
	// pre is the row sealed and indexed ahead of its transaction, nil
	// when the session could not (it then fails in the transaction).
	pre *sealedRecord
}

// fieldValues holds normalised values by field code.
type fieldValues [11]string

func (r *pendingRow) compact() {
	for f, val := range r.normMap {
		r.vals[fieldCode[f]] = val
	}
	r.normMap = nil
}

// norm returns the normalised values as a map.
func (r *pendingRow) norm() map[string]string {
	if r.normMap != nil {
		return r.normMap
	}
	m := make(map[string]string, len(FieldNames))
	for _, f := range FieldNames {
		if val := r.vals[fieldCode[f]]; val != "" {
			m[f] = val
		}
	}
	r.normMap = m
	return m
}

// Import streams rows into the vault in batches of transactions (constant
// memory). Each row is validated like add; bad rows are reported and
// skipped. A duplicate (same email, or same phone and name, as an existing
// customer or an earlier row) is reported and skipped, or merged. A batch
// commits whole or not at all, so an interrupted import keeps what it
// committed and a rerun skips those rows as duplicates.
func (v *Vault) Import(src RowReader, o ImportOptions) (res ImportResult, err error) {
	res = ImportResult{Format: src.Format(), DryRun: o.DryRun}
	report := func(p ImportProblem) {
		if o.Report != nil {
			o.Report(p)
		}
	}
	// Dry runs roll every batch back, so rows already "seen" in earlier
	// batches are remembered here to still catch duplicates inside the file.
	seen := map[string]int{}
	// Reading and validating rows (phone parsing, Unicode normalisation,
	// minimisation checks) runs on its own goroutine, ahead of the
	// transactions: on two cores it overlaps with bbolt's writes.
	// The queue holds a whole batch: the next batch is prepared (and
	// sealed) while the current one is written and fsynced.
	items := make(chan prepared, v.opts.ImportBatchSize)
	done := make(chan struct{})
	defer close(done)
	ahead, err := v.aheadSealer()
	if err != nil {
		return res, err
	}
	if !o.DryRun {
		if err := v.completeTail(); err != nil {
			return res, err
		}
		indexed, cerr := v.indexedCustomers()
		if cerr != nil {
			return res, cerr
		}
		v.tail = newImportTail(indexed, nil)
		if !o.Merge {
			v.tail.households = &households{}
		}
		defer func() {
			v.tail = nil
			// Normally the last batch wrote the tail; after a failed
			// batch this tries once more (else the next command does).
			if !errors.Is(err, ErrCrashHook) {
				v.completeTail()
			}
		}()
	}
	// Sealing runs on a third goroutine: reading and validating, sealing,
	// and writing each take about a third of the work, so on two cores
	// none of them waits for another.
	validated := make(chan prepared, 1024)
	def, err := v.defaultCountry()
	if err != nil {
		return res, err
	}
	go prepareRows(src, def, validated, done)
	go sealRows(validated, items, done, ahead)
	batches := 0
	for {
		var batch []pendingRow
		eof := false
		for len(batch) < v.opts.ImportBatchSize {
			it := <-items
			if it.eof {
				eof = true
				break
			}
			if it.err != nil {
				return res, it.err
			}
			res.Rows++
			if it.problem != nil {
				res.Refused++
				report(*it.problem)
				if it.last {
					eof = true
					break
				}
				continue
			}
			batch = append(batch, it.row)
		}
		if len(batch) > 0 {
			if err := v.importBatch(batch, o, &res, seen, report, ahead, eof); err != nil {
				return res, err
			}
			batches++
			if o.Progress != nil {
				o.Progress(res.Rows)
			} else if v.opts.Progress != nil {
				v.opts.Progress(res.Rows, 0)
			}
			if v.opts.crashAfterBatches > 0 && batches >= v.opts.crashAfterBatches {
				return res, ErrCrashHook
			}
		}
		if eof {
			// The input ended on a batch boundary: the tail is still to write.
			if v.tail != nil && v.tail.rows > 0 {
				if err := v.flushTail(); err != nil {
					return res, err
				}
			}
			return res, nil
		}
	}
}

// prepared is one row read and validated ahead of the transactions.
type prepared struct {
	row     pendingRow
	problem *ImportProblem
	last    bool // the problem ends the input (unreadable file)
	err     error
	eof     bool
}

// sealRows seals and blind-indexes validated rows ahead of their
// transaction (in order: ids are minted in sequence), passing everything
// else on as it is.
func sealRows(in <-chan prepared, out chan<- prepared, done <-chan struct{}, ahead *aheadSealer) {
	for {
		var p prepared
		select {
		case p = <-in:
		case <-done:
			return
		}
		if ahead != nil && p.problem == nil && p.err == nil && !p.eof {
			w, err := ahead.seal(p.row.normMap)
			if err != nil {
				p = prepared{err: err}
			} else {
				p.row.pre = &w
				p.row.compact()
			}
		}
		select {
		case out <- p:
		case <-done:
			return
		}
		if p.eof || p.err != nil {
			return
		}
	}
}

func prepareRows(src RowReader, defaultCountry string, out chan<- prepared, done <-chan struct{}) {
	send := func(p prepared) bool {
		select {
		case out <- p:
			return true
		case <-done:
			return false
		}
	}
	for {
		row, err := src.Next()
		if errors.Is(err, io.EOF) {
			send(prepared{eof: true})
			return
		}
		if err != nil {
			var in *InputError
			if !errors.As(err, &in) {
				send(prepared{err: err})
				return
			}
			last := !strings.Contains(in.Reason, "malformed")
			if !send(prepared{problem: &ImportProblem{Line: row.Line, Field: in.Field, Reason: in.Reason}, last: last}) || last {
				send(prepared{eof: true})
				return
			}
			continue
		}
		var refused *InputError
		if errors.As(row.Refused, &refused) {
			if !send(prepared{problem: &ImportProblem{Line: row.Line, Field: refused.Field, Reason: refused.Reason}}) {
				return
			}
			continue
		}
		nc := NewCustomer{Fields: row.Fields, Consent: row.Consent}
		if row.Created != "" {
			t, err := ParseDate(row.Created)
			if err != nil {
				if !send(prepared{problem: &ImportProblem{Line: row.Line, Field: "created", Reason: "is not a date (YYYY-MM-DD)"}}) {
					return
				}
				continue
			}
			nc.Created = t
		}
		norm, err := prepareCustomer(nc, defaultCountry)
		if err != nil {
			var in *InputError
			if !errors.As(err, &in) {
				send(prepared{err: err})
				return
			}
			reason := in.Reason
			if errors.Is(err, ErrNoCountry) {
				reason += " (add a country column, or set a default with settings --country)"
			}
			if !send(prepared{problem: &ImportProblem{Line: row.Line, Field: in.Field, Reason: reason}}) {
				return
			}
			continue
		}
		// Only the normalised values travel on: the raw ones are garbage now.
		row.Fields, nc.Fields = nil, nil
		if !send(prepared{row: pendingRow{row: row, nc: nc, normMap: norm}}) {
			return
		}
	}
}

func (v *Vault) importBatch(batch []pendingRow, o ImportOptions, res *ImportResult, seen map[string]int, report func(ImportProblem), ahead *aheadSealer, final bool) error {
	before := *res
	err := v.updateBatch(func(tx *bolt.Tx) error {
		if err := v.need(tx, SealedGroups[0], SealedGroups[1], SealedGroups[2], GroupIndex); err != nil {
			return err
		}
		current, err := ahead.current(tx)
		if err != nil {
			return err
		}
		var aliases []string
		for i := range batch {
			p := &batch[i]
			pre := p.pre
			if !current {
				pre = nil
			}
			dup, dupDesc, err := v.findDuplicate(tx, p.norm, seen, o.DryRun, pre)
			if err != nil {
				return err
			}
			if dup != nil {
				if o.Merge && dupDesc == "" {
					n, err := v.mergeInto(tx, *dup, p.norm())
					if err != nil {
						return err
					}
					if n > 0 {
						res.Merged++
					} else {
						res.Duplicates++
					}
					continue
				}
				res.Duplicates++
				what := dupDesc
				if what == "" {
					m, err := loadMeta(tx, *dup)
					if err != nil {
						return err
					}
					what = "an existing customer (" + crypto.FormatAlias(m.Alias) + ")"
				}
				report(ImportProblem{Line: p.row.Line, Field: dupField(p.norm()), Reason: "duplicate of " + what + ": skipped"})
				continue
			}
			var norm map[string]string
			if pre == nil {
				norm = p.norm()
			}
			a, id, err := v.addInTx(tx, p.nc, norm, pre)
			if err != nil {
				return err
			}
			if v.tail != nil {
				v.tail.households.added(pre, id)
			}
			if o.DryRun {
				for _, k := range dupKeys(p.norm()) {
					seen[k] = p.row.Line
				}
			}
			aliases = append(aliases, a)
			res.Added++
			if o.Preview != nil {
				o.Preview(p.row.Line, p.norm())
			}
		}
		if o.DryRun {
			return errRollback
		}
		e := AuditEntry{Action: "import", Count: len(aliases)}
		if len(aliases) <= 100 {
			e.Aliases = aliases
		}
		return v.appendAudit(tx, e)
	})
	if errors.Is(err, errRollback) {
		return nil
	}
	if err != nil {
		*res = before
		return err
	}
	if v.tail != nil && v.tail.rows > 0 && (final || v.tail.due(v.opts.tailRows)) {
		return v.flushTail()
	}
	return nil
}

// flushTail writes the import's tail and starts a new one.
func (v *Vault) flushTail() error {
	if err := v.writeTail(v.tail); err != nil {
		return err
	}
	v.tail = newImportTail(v.tail.indexed+v.tail.rows, v.tail.households)
	return nil
}

func dupField(norm map[string]string) string {
	if norm["email"] != "" {
		return "email"
	}
	return "phone"
}

// dupKeys are the in-memory duplicate keys of a row (dry runs only).
func dupKeys(norm map[string]string) []string {
	var out []string
	if e := norm["email"]; e != "" {
		out = append(out, "e:"+NormalizeEmail(e))
	}
	if p, n := norm["phone"], norm["name"]; p != "" && n != "" {
		out = append(out, "pn:"+p+"\x00"+NormalizeName(n))
	}
	return out
}

// findDuplicate applies the duplicate rule through the blind index: same
// normalised email, or same phone and same name (households share phones).
func (v *Vault) findDuplicate(tx *bolt.Tx, norm func() map[string]string, seen map[string]int, dry bool, pre *sealedRecord) (*recordID, string, error) {
	if dry {
		for _, k := range dupKeys(norm()) {
			if line, ok := seen[k]; ok {
				return &recordID{}, fmt.Sprintf("row %d", line), nil
			}
		}
	}
	// The normalised index values are computed only when a token must be
	// (the row was not sealed ahead, or an older index version exists).
	var vals map[byte]string
	value := func(kind byte) func() string {
		return func() string {
			if vals == nil {
				vals = indexValues(norm())
			}
			return vals[kind]
		}
	}
	has := func(kind byte) bool {
		if pre != nil {
			return pre.token(kind) != nil
		}
		return value(kind)() != ""
	}
	if has(kindEmail) {
		ids, err := v.lookupWith(tx, kindEmail, value(kindEmail), pre)
		if err != nil {
			return nil, "", err
		}
		for id := range ids {
			return &id, "", nil
		}
	}
	if has(kindPhone) && has(kindName) {
		var hh *households
		if v.tail != nil && pre != nil && len(v.indexBuckets(tx)) == 1 {
			hh = v.tail.households // nil in merge mode (a merge can add a name)
		}
		if id, known := hh.lookup(pre); known {
			return id, "", nil
		}
		byPhone, err := v.lookupWith(tx, kindPhone, value(kindPhone), pre)
		if err != nil {
			return nil, "", err
		}
		if len(byPhone) > 0 {
			if err := hh.fill(tx, pre, byPhone); err != nil {
				return nil, "", err
			}
			if id, known := hh.lookup(pre); known {
				return id, "", nil
			}
		}
		if len(byPhone) == 0 {
			return nil, "", nil
		}
		// Few records share a phone (a household); thousands can share a
		// name, so each phone match is checked for the name's entry rather
		// than listing everyone with the name.
		for id := range byPhone {
			found, err := v.hasIndexEntry(tx, kindName, value(kindName), pre, id)
			if err != nil {
				return nil, "", err
			}
			if found {
				return &id, "", nil
			}
		}
	}
	return nil, "", nil
}

// mergeInto fills the existing customer's empty fields from norm; returns
// how many fields it filled.
func (v *Vault) mergeInto(tx *bolt.Tx, id recordID, norm map[string]string) (int, error) {
	m, err := loadMeta(tx, id)
	if err != nil || m == nil {
		return 0, err
	}
	cur, err := v.readFields(tx, id, m, m.Fields)
	if err != nil {
		return 0, err
	}
	n := 0
	for f, val := range norm {
		if cur[f] == "" {
			cur[f] = val
			n++
		}
	}
	if n == 0 {
		return 0, nil
	}
	if err := v.writeFields(tx, id, m, cur); err != nil {
		return 0, err
	}
	m.Updated = v.now()
	return n, putMeta(tx, id, m)
}

// DuplicatePair is a likely duplicate found by dedupe.
type DuplicatePair struct {
	Keep   string `json:"keep"`
	Merge  string `json:"merge"`
	Reason string `json:"reason"`
	keep   recordID
	merge  recordID
}

// FindDuplicates scans metadata for likely duplicates (same email token, or
// same phone and name tokens). Keyless: it compares index tokens only.
func (v *Vault) FindDuplicates() ([]DuplicatePair, error) {
	var out []DuplicatePair
	err := v.view(func(tx *bolt.Tx) error {
		var err error
		out, err = findDuplicatePairs(tx)
		return err
	})
	return out, err
}

func findDuplicatePairs(tx *bolt.Tx) ([]DuplicatePair, error) {
	byEmail := map[string]recordID{}
	byPhoneName := map[string]recordID{}
	var out []DuplicatePair
	merged := map[recordID]bool{}
	err := tx.Bucket(bRecords).ForEach(func(k, data []byte) error {
		var id recordID
		copy(id[:], k)
		m, err := loadMeta(tx, id)
		if err != nil || m == nil {
			return err
		}
		keep, reason, found := recordID{}, "", false
		if e := tokenPrefix(m.Index["email"]); e != "" {
			if first, ok := byEmail[e]; ok && !merged[first] {
				keep, reason, found = first, "same email", true
			}
		}
		pn := ""
		if p, n := m.Index["phone"], m.Index["name"]; p != "" && n != "" {
			pn = tokenPrefix(p) + tokenPrefix(n)
			if first, ok := byPhoneName[pn]; ok && !found && !merged[first] {
				keep, reason, found = first, "same phone and name", true
			}
		}
		if found {
			km, err := loadMeta(tx, keep)
			if err != nil || km == nil {
				return err
			}
			merged[id] = true
			out = append(out, DuplicatePair{Keep: crypto.FormatAlias(km.Alias), Merge: crypto.FormatAlias(m.Alias), Reason: reason, keep: keep, merge: id})
			return nil
		}
		if e := tokenPrefix(m.Index["email"]); e != "" {
			byEmail[e] = id
		}
		if pn != "" {
			byPhoneName[pn] = id
		}
		return nil
	})
	return out, err
}

// Dedupe merges every likely duplicate into the older record: empty fields
// filled, aliases moved (so both keep resolving), shipments relinked,
// consents kept; the newer record is erased with a "merge" tombstone.
func (v *Vault) Dedupe() ([]DuplicatePair, error) {
	var pairs []DuplicatePair
	err := v.update(func(tx *bolt.Tx) error {
		if err := v.need(tx, SealedGroups[0], SealedGroups[1], SealedGroups[2], GroupIndex); err != nil {
			return err
		}
		var err error
		pairs, err = findDuplicatePairs(tx)
		if err != nil {
			return err
		}
		var aliases []string
		for _, p := range pairs {
			if err := v.mergeRecords(tx, p.keep, p.merge); err != nil {
				return err
			}
			aliases = append(aliases, p.Keep, p.Merge)
		}
		if len(pairs) == 0 {
			return nil
		}
		return v.appendAudit(tx, AuditEntry{Action: "dedupe", Aliases: aliases, Count: len(pairs)})
	})
	if err != nil || len(pairs) == 0 {
		return pairs, err
	}
	return pairs, v.Compact()
}

func (v *Vault) mergeRecords(tx *bolt.Tx, keep, dup recordID) error {
	km, err := loadMeta(tx, keep)
	if err != nil {
		return err
	}
	dm, err := loadMeta(tx, dup)
	if err != nil {
		return err
	}
	if km == nil || dm == nil {
		return nil
	}
	dvals, err := v.readFields(tx, dup, dm, dm.Fields)
	if err != nil {
		return err
	}
	if _, err := v.mergeInto(tx, keep, dvals); err != nil {
		return err
	}
	km, _ = loadMeta(tx, keep)
	for p, c := range dm.Consent {
		if km.Consent == nil {
			km.Consent = map[string]Consent{}
		}
		if cur, ok := km.Consent[p]; !ok || c.At.After(cur.At) {
			km.Consent[p] = c
		}
	}
	if dm.LastShipment != nil && (km.LastShipment == nil || dm.LastShipment.After(*km.LastShipment)) {
		km.LastShipment = dm.LastShipment
	}
	if dm.LastActivity.After(km.LastActivity) {
		km.LastActivity = dm.LastActivity
	}
	if err := putMeta(tx, keep, km); err != nil {
		return err
	}
	// Move the duplicate's aliases to the kept record.
	infos, err := v.aliasesOf(tx, dup)
	if err != nil {
		return err
	}
	for _, a := range infos {
		canon, _ := crypto.ParseAlias(a.Alias)
		var e aliasEntry
		if _, err := getAliasEntry(tx.Bucket(bAliases), []byte(canon), &e); err != nil {
			return err
		}
		e.Primary = false
		if err := v.putAlias(tx, canon, keep, e); err != nil {
			return err
		}
		if err := tx.Bucket(bRecAliases).Delete(append(append([]byte{}, dup[:]...), canon...)); err != nil {
			return err
		}
	}
	// Relink shipments.
	sb := tx.Bucket(bShipments)
	var keys [][]byte
	var ships []shipment
	sb.ForEach(func(k, data []byte) error {
		var s shipment
		if getErr := json.Unmarshal(data, &s); getErr == nil && s.Record == dup.String() {
			s.Record = keep.String()
			keys = append(keys, append([]byte{}, k...))
			ships = append(ships, s)
		}
		return nil
	})
	for i := range keys {
		if err := putJSON(sb, keys[i], ships[i]); err != nil {
			return err
		}
	}
	dm.Alias = "" // moved to the kept record above: not to be marked erased
	return v.eraseInTx(tx, dup, dm, "merge")
}

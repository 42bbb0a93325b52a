package vault

import (
	"encoding/json"
	"errors"
	"io"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// ImportProblem is one row that did not go in. Reason never quotes the
// refused value.
type ImportProblem struct {
	Line   int    `json:"row"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
	// Err classifies the refusal for the caller's hint (ErrNoCountry).
	Err error `json:"-"`
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
	Format     ImportFormat `json:"format"`
	Rows       int          `json:"rows"`
	Added      int          `json:"added"`
	Merged     int          `json:"merged"`
	Duplicates int          `json:"duplicates"`
	Refused    int          `json:"refused"`
	DryRun     bool         `json:"dry_run"`
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
			last := !errors.Is(err, ErrMalformedRow)
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
			if !send(prepared{problem: &ImportProblem{Line: row.Line, Field: in.Field, Reason: in.Reason, Err: err}}) {
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
	return n, v.putMeta(tx, id, m)
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
	if err := v.putMeta(tx, keep, km); err != nil {
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
	sc := sb.Cursor()
	for k, data := sc.First(); k != nil; k, data = sc.Next() {
		var s shipment
		if getErr := json.Unmarshal(data, &s); getErr == nil && s.Record == dup.String() {
			s.Record = keep.String()
			keys = append(keys, append([]byte{}, k...))
			ships = append(ships, s)
		}
	}
	for i := range keys {
		if err := v.putTaggedJSON(tx, "shipments", keys[i], ships[i]); err != nil {
			return err
		}
	}
	dm.Alias = "" // moved to the kept record above: not to be marked erased
	return v.eraseInTx(tx, dup, dm, "merge")
}

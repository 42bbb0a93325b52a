package vault

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// Import streams rows into the vault in batches of transactions (constant
// memory). Each row is validated like add; bad rows are reported and
// skipped. A duplicate (same email, or same phone and name, as an existing
// customer or an earlier row) is reported and skipped, or merged. A batch
// commits whole or not at all, so an interrupted import keeps what it
// committed and a rerun skips those rows as duplicates.
func (v *Vault) Import(src RowReader, o ImportOptions) (ImportResult, error) {
	im := &importer{v: v, o: o, res: ImportResult{Format: src.Format(), DryRun: o.DryRun}, seen: map[string]int{}}
	err := im.run(src)
	return im.res, err
}

// importer runs one import. It owns the import's state (options and
// result, the rows a dry run has seen, the sealer working ahead, the
// unindexed tail) so that Vault holds none of it; while it runs, the
// tail's entries are lent to the vault's lookups as Vault.held.
type importer struct {
	v   *Vault
	o   ImportOptions
	res ImportResult
	// seen: dry runs roll every batch back, so rows already seen in
	// earlier batches are remembered here to still catch duplicates
	// inside the file.
	seen  map[string]int
	ahead *aheadSealer
	// tail is nil in a dry run.
	tail    *importTail
	batches int
}

func (im *importer) report(p ImportProblem) {
	if im.o.Report != nil {
		im.o.Report(p)
	}
}

func (im *importer) run(src RowReader) (err error) {
	v, o, res := im.v, im.o, &im.res
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
		return err
	}
	im.ahead = ahead
	if !o.DryRun {
		if err := v.completeTail(); err != nil {
			return err
		}
		indexed, cerr := v.indexedCustomers()
		if cerr != nil {
			return cerr
		}
		var hh *households
		if !o.Merge {
			hh = &households{}
		}
		im.startTail(newImportTail(indexed, hh))
		defer func() {
			v.held = nil
			// Normally the last batch wrote the tail; after a failed
			// batch this tries once more (else the next command does).
			if !errors.Is(err, ErrCrashHook) {
				_ = v.completeTail() // best effort: the marker makes the next writable open finish it
			}
		}()
	}
	// Sealing runs on a third goroutine: reading and validating, sealing,
	// and writing each take about a third of the work, so on two cores
	// none of them waits for another.
	validated := make(chan prepared, 1024)
	def, err := v.defaultCountry()
	if err != nil {
		return err
	}
	go prepareRows(src, def, validated, done)
	go sealRows(validated, items, done, ahead)
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
				return it.err
			}
			res.Rows++
			if it.problem != nil {
				res.Refused++
				im.report(*it.problem)
				if it.last {
					eof = true
					break
				}
				continue
			}
			batch = append(batch, it.row)
		}
		if len(batch) > 0 {
			if err := im.importBatch(batch, eof); err != nil {
				return err
			}
			im.batches++
			if o.Progress != nil {
				o.Progress(res.Rows)
			} else if v.opts.Progress != nil {
				v.opts.Progress(res.Rows, 0)
			}
			if v.opts.crashAfterBatches > 0 && im.batches >= v.opts.crashAfterBatches {
				return ErrCrashHook
			}
		}
		if eof {
			// The input ended on a batch boundary: the tail is still to write.
			if im.tail != nil && im.tail.rows > 0 {
				if err := im.flushTail(); err != nil {
					return err
				}
			}
			return nil
		}
	}
}

func (im *importer) importBatch(batch []pendingRow, final bool) error {
	v, o, res, seen, report := im.v, im.o, &im.res, im.seen, im.report
	before := *res
	err := v.updateBatch(func(tx *bolt.Tx) error {
		if err := v.need(tx, SealedGroups[0], SealedGroups[1], SealedGroups[2], GroupIndex); err != nil {
			return err
		}
		current, err := im.ahead.current(tx)
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
			dup, dupDesc, err := im.findDuplicate(tx, p.norm, pre)
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
			a, id, err := v.addInTx(tx, p.nc, norm, pre, im.tail)
			if err != nil {
				return err
			}
			if im.tail != nil {
				im.tail.households.added(pre, id)
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
	if im.tail != nil && im.tail.rows > 0 && (final || im.tail.due(v.opts.tailRows)) {
		return im.flushTail()
	}
	return nil
}

// startTail makes t the import's tail and lends its entries to lookups.
func (im *importer) startTail(t *importTail) {
	im.tail = t
	im.v.held = t
}

// flushTail writes the import's tail and starts a new one.
func (im *importer) flushTail() error {
	if err := im.v.writeTail(im.tail); err != nil {
		return err
	}
	im.startTail(newImportTail(im.tail.indexed+im.tail.rows, im.tail.households))
	return nil
}

// findDuplicate applies the duplicate rule (duplicateOf), and in a dry
// run also to the rows seen before, whose batches were rolled back.
func (im *importer) findDuplicate(tx *bolt.Tx, norm func() map[string]string, pre *sealedRecord) (*recordID, string, error) {
	v := im.v
	if im.o.DryRun {
		for _, k := range dupKeys(norm()) {
			if line, ok := im.seen[k]; ok {
				return &recordID{}, fmt.Sprintf("row %d", line), nil
			}
		}
	}
	var hh *households
	if im.tail != nil && pre != nil && len(v.indexBuckets(tx)) == 1 {
		hh = im.tail.households // nil in merge mode (a merge can add a name)
	}
	id, _, err := v.duplicateOf(tx, norm, pre, hh)
	return id, "", err
}

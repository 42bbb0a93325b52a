package vault

import (
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/internal/words"
)

// The records sum of a format-5 vault adds unkeyed elements (entrytags.go,
// publicTagger), so that keyless purge, which holds no key, can recount it
// before it acts on the metadata and refuse metadata changed from outside
// (back-dated so that the rules erase those customers) instead of erasing
// first and being found out by the next person's write (docs/format.md,
// "Keyless verification of the records").

// verifyRecordsSum recounts the records bucket with no key and compares
// it with what head h (verified at open with the public keys this machine
// pins) signs: its records sum, or, while statements wait, the sum of the
// person-signed head they start from plus every records change they list,
// each statement verified and justified as check does. Nothing is
// compared in a vault whose records are still keyed (formats 3 and 4:
// RecordsVerifiable says so), or whose head has no sums yet. A mismatch is
// an IntegrityError naming the bucket, never a value.
func verifyRecordsSum(tx *bolt.Tx, vaultID []byte, p *verifiedPolicy, h *headBody) error {
	r, err := startRecount(tx, vaultID, p, h)
	if err != nil || r == nil {
		return err
	}
	c := tx.Bucket(bRecords).Cursor()
	for k, val := c.First(); k != nil; k, val = c.Next() {
		r.add(k, val)
	}
	return r.finish()
}

// recount is a recount of the records sum under way: the sum the signed
// state says, and the public elements of the records seen so far, tagged
// on one goroutine per core (a reader hands each record as it passes it:
// purge's plan, which reads every record anyway).
type recount struct {
	want  bucketSum
	pool  *tagPool
	count uint64
	runs  int
}

// startRecount is the first half of verifyRecordsSum: the sum to compare
// with, the statements verified; nil when there is nothing to compare.
func startRecount(tx *bolt.Tx, vaultID []byte, p *verifiedPolicy, h *headBody) (*recount, error) {
	if p == nil || h == nil || h.Buckets == nil || keyedRecordSums(tx) || legacyKeyless(tx, h) {
		return nil, nil
	}
	pt := publicTagger()
	r := &recount{want: h.Buckets.Buckets["records"]}
	if h.Stmts == nil && h.Role == RoleShipping {
		if err := shippedRecordsKeyless(tx, pt, h); err != nil {
			return nil, err
		}
	}
	if h.Stmts != nil {
		chain, err := loadChain(tx, vaultID, p, h)
		if err != nil {
			return nil, err
		}
		if chain.base.Buckets == nil {
			return nil, nil
		}
		r.want = chain.base.Buckets.Buckets["records"]
		sums := map[string]*bucketSum{"records": &r.want}
		for i := range chain.stmts {
			for _, c := range chain.stmts[i].body.Changes {
				if c.Bucket != "records" {
					continue
				}
				if err := c.apply(pt, sums); err != nil {
					return nil, err
				}
			}
			if err := chain.stmts[i].justified(); err != nil {
				return nil, err
			}
			r.runs++
		}
		if chain.base.Role == RoleShipping {
			if err := verifyShippingBase(tx, pt, chain); err != nil {
				return nil, err
			}
		}
	}
	r.pool = newTagPool(pt)
	return r, nil
}

// shippedRecordsKeyless checks a shipping head's records sum against the
// data head's, but for the records it lists (verifyShippedRecords), so
// that cron does not start from records a shipping person changed beyond
// their shipment dates. The data head's signature was verified at open.
func shippedRecordsKeyless(tx *bolt.Tx, pt *tagger, h *headBody) error {
	dh := tx.Bucket(bMeta).Get(mDataHead)
	if dh == nil || h.DataHead != sha256Hex(dh) {
		return &IntegrityError{What: "the shipping person's head does not name the data head (meta/data_head): it was put back or replaced from outside"}
	}
	_, d, err := decodeHead(dh)
	if err != nil {
		return &IntegrityError{What: "the data head (meta/data_head) does not decode"}
	}
	if d.Buckets == nil {
		return nil
	}
	_, err = verifyShippedRecords(tx, pt, h, d)
	return err
}

// add counts the record k with value val, which must stay unchanged until
// finish (a read transaction's memory).
func (r *recount) add(k, val []byte) {
	r.pool.add(tagJob{bucket: "records", key: k, value: val, hashValue: true})
	r.count++
}

// finish waits for the elements and compares; it also stops the pool of
// a recount abandoned half-way.
func (r *recount) finish() error {
	got := bucketSum{Count: r.count}
	if ps := r.pool.sums()["records"]; ps != nil {
		got.Sum = *ps
	}
	if got == r.want {
		return nil
	}
	since := "the signed state head says"
	if r.runs > 0 {
		since = "the signed state head and the " + words.Count(r.runs, "statement") + " since it say"
	}
	what := "records were deleted or inserted"
	if got.Count == r.want.Count {
		what = "a customer's metadata was changed (for example back-dated so that the rules would erase them) or a record was put back"
	}
	return &IntegrityError{What: fmt.Sprintf("the records bucket is not what %s: %s from outside a signed write; shopvault check with an owner's identity names what changed; restore from a backup if it fails", since, what)}
}

// RecordsVerifiable tells whether keyless purge and check can recount this
// vault's records sum: from format 5 on. Before an owner's writable open
// upgrades a format-3 or format-4 vault, a change of metadata made from
// outside is found only after a purge acted on it (by the next person's
// write and by check).
func (v *Vault) RecordsVerifiable() (bool, error) {
	f, err := v.format()
	if err != nil || v.policy == nil {
		return false, err
	}
	return f == FormatVersion, nil
}

package vault

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
	"github.com/shopvault/shopvault/internal/words"
)

// Purge statements (docs/format.md, "Purge statements"): a transaction
// that changes tagged entries without making their tags (keyless purge,
// which holds no state key) describes every change in a signed statement
// written in the same transaction, and so does a shipping person's while
// such statements wait. The next owner or support write checks the file
// against the person-signed head the statements start from plus their
// changes, re-evaluates each erasure against the rules the statement
// carries, and deletes them; check does the same without deleting.

var bPurges = []byte("purges")

// stmtVersion marks heads written by a shopvault that writes statements:
// from such a head on, a keyless change of tagged entries without one is
// tampering, never a keyless run of an older version (see legacyKeyless).
const stmtVersion = 1

// stmtPoint is what a head commits to of the statements waiting since the
// last owner or support head: the first and last (by the counter of the
// head each was written with, which is also its key) and the SHA-256 of
// the last one's stored value. Verified is the newest statement a person
// holding the state key compared with a full scan.
type stmtPoint struct {
	First    uint64 `json:"first"`
	Last     uint64 `json:"last"`
	Hash     string `json:"hash"`
	Verified uint64 `json:"verified,omitempty"`
}

// statementBody is one signed statement.
type statementBody struct {
	VaultID string `json:"vault_id"`
	// Counter is the counter of the head signed with the statement.
	Counter uint64 `json:"counter"`
	// Prev is the SHA-256 of the previous statement's stored value ("" for
	// the first); HeadBefore that of meta/head before the transaction.
	Prev       string `json:"prev,omitempty"`
	HeadBefore string `json:"head_before"`
	// Base, in the first statement, is the person-signed head the chain
	// starts from (its stored bytes): its sums are what the changes apply to.
	Base   []byte        `json:"base,omitempty"`
	Time   time.Time     `json:"time"`
	Signer string        `json:"signer"`
	Rules  *appliedRules `json:"rules,omitempty"`
	// Changes travel as Packed: their JSON, deflated (keys, hashes and
	// metadata of thousands of customers; about half the size).
	Changes []entryChange `json:"-"`
	Packed  []byte        `json:"changes_deflate"`
}

// maxChanges bounds what one statement's changes may inflate to (a batch
// of 5,000 erasures is about 3 MB), so a doctored statement cannot exhaust
// memory.
const maxChanges = 256 << 20

// pack deflates the changes into Packed.
func (s *statementBody) pack() error {
	raw, err := json.Marshal(s.Changes)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestSpeed)
	if err != nil {
		return err
	}
	if _, err := w.Write(raw); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	s.Packed = buf.Bytes()
	return nil
}

// decodeStatement reads a signed statement's body and inflates its changes.
func decodeStatement(body []byte) (statementBody, error) {
	var s statementBody
	if err := json.Unmarshal(body, &s); err != nil {
		return s, err
	}
	raw, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(s.Packed)), maxChanges+1))
	if err != nil {
		return s, err
	}
	if len(raw) > maxChanges {
		return s, errors.New("statement changes too large")
	}
	return s, json.Unmarshal(raw, &s.Changes)
}

// appliedRules are the retention rules a purge applied, with the SHA-256 of
// their JSON, so that each erasure can be re-evaluated without the file.
type appliedRules struct {
	Hash  string `json:"hash"`
	Rules []Rule `json:"rules"`
}

// entryChange is one tagged entry the transaction wrote: Old and New are
// the values (absent: inserted, deleted); for a record they are its
// metadata, and OldSealed, NewSealed the SHA-256 of its sealed part, which
// is all the entry tag needs (docs/format.md, "Entry tags").
type entryChange struct {
	Bucket    string `json:"b"`
	Key       []byte `json:"k"`
	Old       []byte `json:"o,omitempty"`
	OldSealed []byte `json:"os,omitempty"`
	New       []byte `json:"n,omitempty"`
	NewSealed []byte `json:"ns,omitempty"`
}

func newAppliedRules(rs *Rules) *appliedRules {
	body, _ := json.Marshal(rs.Rules)
	sum := sha256.Sum256(body)
	return &appliedRules{Hash: hex.EncodeToString(sum[:]), Rules: rs.Rules}
}

// describeChange records a tagged write in the statement's terms.
func describeChange(bucket string, key, old, value []byte) entryChange {
	c := entryChange{Bucket: bucket, Key: bytes.Clone(key)}
	split := func(v []byte) ([]byte, []byte) {
		if v == nil {
			return nil, nil
		}
		if bucket != "records" {
			return bytes.Clone(v), nil
		}
		m := metadataPart(v)
		h := sha256.Sum256(v[len(m):])
		return bytes.Clone(m), h[:]
	}
	c.Old, c.OldSealed = split(old)
	c.New, c.NewSealed = split(value)
	return c
}

// changeHash is H(value) of one side of a change, as the entry tag uses it.
func changeHash(bucket string, value, sealed []byte) [32]byte {
	if bucket != "records" {
		return sha256.Sum256(value)
	}
	hm := sha256.Sum256(value)
	return sha256.Sum256(append(hm[:], sealed...))
}

// apply moves sums from before the change to after it.
func (c *entryChange) apply(t *tagger, sums map[string]*bucketSum) error {
	s := sums[c.Bucket]
	if s == nil {
		return &IntegrityError{What: fmt.Sprintf("a purge statement names the bucket %q, which is not tagged", c.Bucket)}
	}
	if c.Old != nil {
		s.sub(t.tagHash(c.Bucket, c.Key, changeHash(c.Bucket, c.Old, c.OldSealed)))
	}
	if c.New != nil {
		s.add(t.tagHash(c.Bucket, c.Key, changeHash(c.Bucket, c.New, c.NewSealed)))
	}
	return nil
}

// statement is a verified stored statement.
type statement struct {
	body statementBody
	hash string
}

// stmtChain is the chain of statements a head commits to, verified link by
// link, with the person-signed head it starts from.
type stmtChain struct {
	base  *headBody
	stmts []statement
}

// loadChain reads and verifies, without a key, the statements head h
// commits to: each signed by the purge key or a shipping person of policy
// p, for this vault, stored under its counter, linked to the one before,
// the first one holding the person head it starts from, and nothing else
// in the bucket.
func loadChain(tx *bolt.Tx, vaultID []byte, p *verifiedPolicy, h *headBody) (*stmtChain, error) {
	b := tx.Bucket(bPurges)
	if h.Stmts == nil {
		if b != nil {
			if k, _ := b.Cursor().First(); k != nil {
				return nil, &IntegrityError{What: "a purge statement is in the file that no signed state head names: it was put back or added from outside"}
			}
		}
		return nil, nil
	}
	if b == nil {
		return nil, &IntegrityError{What: "the purge statements the signed state head names are missing: they were deleted from outside; restore from a backup"}
	}
	chain := &stmtChain{}
	prev := ""
	c := b.Cursor()
	for k, data := c.First(); k != nil; k, data = c.Next() {
		n := beUint64(k)
		signer, body, err := crypto.OpenSigned(crypto.DomainPurge, data)
		var s statementBody
		if err == nil {
			s, err = decodeStatement(body)
		}
		if err != nil {
			return nil, &IntegrityError{What: fmt.Sprintf("purge statement %d does not verify: it was changed from outside", n)}
		}
		switch {
		case s.VaultID != hex.EncodeToString(vaultID) || s.Counter != n:
			return nil, &IntegrityError{What: fmt.Sprintf("purge statement %d belongs to another vault or place: it was put back or moved from outside", n)}
		case s.Prev != prev:
			return nil, &IntegrityError{What: fmt.Sprintf("purge statement %d does not follow the one before it: statements were deleted, reordered or put back from outside", n)}
		case !statementSigner(p, s.Signer, signer):
			return nil, &IntegrityError{What: fmt.Sprintf("purge statement %d is not signed by the vault's purge key or a shipping person", n)}
		}
		if prev == "" {
			base, err := verifyBase(tx, vaultID, p, &s)
			if err != nil {
				return nil, err
			}
			chain.base = base
		} else if s.Base != nil {
			return nil, &IntegrityError{What: fmt.Sprintf("purge statement %d starts a second chain: statements were put back from outside", n)}
		}
		prev = sha256Hex(data)
		chain.stmts = append(chain.stmts, statement{body: s, hash: prev})
	}
	if len(chain.stmts) == 0 || chain.stmts[0].body.Counter != h.Stmts.First || chain.stmts[len(chain.stmts)-1].body.Counter != h.Stmts.Last || prev != h.Stmts.Hash {
		return nil, &IntegrityError{What: "the purge statements are not the ones the signed state head names: statements were deleted, replaced or put back from outside; restore from a backup"}
	}
	return chain, nil
}

func statementSigner(p *verifiedPolicy, name string, key []byte) bool {
	if name == purgeSigner {
		return p.body.PurgeKey != "" && p.body.PurgeKey == hex.EncodeToString(key)
	}
	r := p.recipient(name)
	return r != nil && r.Role == RoleShipping && r.SigningKey == hex.EncodeToString(key)
}

// verifyBase checks the head the first statement starts from: the head it
// replaced, signed by a person of the current policy (the chain ends at
// the next owner or support write, so the policy cannot have changed).
func verifyBase(tx *bolt.Tx, vaultID []byte, p *verifiedPolicy, s *statementBody) (*headBody, error) {
	bad := &IntegrityError{What: fmt.Sprintf("the first purge statement (%d) does not start from a head a person signed: it was forged or put back", s.Counter)}
	if s.Base == nil || sha256Hex(s.Base) != s.HeadBefore {
		return nil, bad
	}
	signer, base, err := decodeHead(s.Base)
	if err != nil {
		return nil, bad
	}
	r := p.recipient(base.Signer)
	if r == nil || r.Role != base.Role || r.SigningKey != hex.EncodeToString(signer) || base.VaultID != hex.EncodeToString(vaultID) ||
		base.Counter+1 != s.Counter || base.Policy.Version != p.body.Version || base.Policy.Hash != p.hash || base.Stmts != nil {
		return nil, bad
	}
	return base, nil
}

// pendingChain is loadChain for the session's verified head.
func (v *Vault) pendingChain(tx *bolt.Tx) (*stmtChain, error) {
	if v.head == nil || v.head.Stmts == nil {
		return nil, nil
	}
	return loadChain(tx, v.vaultID, v.policy, v.head)
}

// verifyChainSums checks the tagged buckets, by a full scan under t,
// against the sums of the chain's base plus every change its statements
// and extra (this transaction's own changes so far) list, then every
// statement's justification. It returns the sums found.
func verifyChainSums(tx *bolt.Tx, t *tagger, version uint32, chain *stmtChain, extra []entryChange) (map[string]*bucketSum, error) {
	if chain.base.Buckets == nil || chain.base.Buckets.State != version {
		return nil, nil
	}
	want := map[string]*bucketSum{}
	for _, b := range taggedBuckets {
		s := chain.base.Buckets.Buckets[b]
		want[b] = &s
	}
	for i := range chain.stmts {
		for j := range chain.stmts[i].body.Changes {
			if err := chain.stmts[i].body.Changes[j].apply(t, want); err != nil {
				return nil, err
			}
		}
	}
	for i := range extra {
		if err := extra[i].apply(t, want); err != nil {
			return nil, err
		}
	}
	got := sumBuckets(tx, t)
	for _, b := range taggedBuckets {
		if *want[b] != got[b] {
			return nil, chain.mismatch(b)
		}
	}
	for i := range chain.stmts {
		if err := chain.stmts[i].justified(); err != nil {
			return nil, err
		}
	}
	if chain.base.Role == RoleShipping {
		if err := verifyShippingBase(tx, t, chain); err != nil {
			return nil, err
		}
	}
	out := map[string]*bucketSum{}
	for _, b := range taggedBuckets {
		s := got[b]
		out[b] = &s
	}
	return out, nil
}

// mismatch names the bucket, the purge runs and what to do, never a value.
func (c *stmtChain) mismatch(bucket string) error {
	runs, erased := 0, 0
	var first time.Time
	for _, s := range c.stmts {
		if s.body.Signer != purgeSigner {
			continue
		}
		if runs == 0 {
			first = s.body.Time
		}
		runs++
		erased += s.body.erasures()
	}
	if runs == 0 {
		return &IntegrityError{What: fmt.Sprintf("the %s bucket is not what the signed state head and the statements since it say: entries were changed outside a signed write; restore from a backup", bucket)}
	}
	return &IntegrityError{What: fmt.Sprintf("the %s bucket is not what the signed state head and the %s since %s say: entries were changed outside a signed purge, or metadata was changed (back-dated) before a purge acted on it (%s erased by those runs); restore from a backup made before %s",
		bucket, words.Count(runs, "purge statement"), first.Format(time.RFC3339), words.Count(erased, "customer"), first.Format("2006-01-02 15:04"))}
}

func (s *statementBody) erasures() int {
	n := 0
	for _, c := range s.Changes {
		if c.Bucket == "records" && c.New == nil {
			n++
		}
	}
	return n
}

// checkStmtPoint is the open's look at the statements (no walk, no key):
// the first and the last are the ones the head names, and there are none
// when it names none. check and the next person's write verify the chain.
func checkStmtPoint(tx *bolt.Tx, h *headBody) error {
	var first, lastK, last []byte
	if b := tx.Bucket(bPurges); b != nil {
		c := b.Cursor()
		first, _ = c.First()
		lastK, last = c.Last()
	}
	switch {
	case h.Stmts == nil && first == nil:
		return nil
	case h.Stmts == nil:
		return &IntegrityError{What: "a purge statement is in the file that no signed state head names: it was put back or added from outside; restore from a backup"}
	case first == nil || beUint64(first) != h.Stmts.First || beUint64(lastK) != h.Stmts.Last || sha256Hex(last) != h.Stmts.Hash:
		return &IntegrityError{What: "the purge statements are not the ones the signed state head names: statements were deleted, replaced or put back from outside; restore from a backup"}
	}
	return nil
}

// verifyStatements is what needs no key: the chain the head names, every
// signature and link, and every statement's justification (the entry sums
// need the state key: verifyChainSums).
func verifyStatements(tx *bolt.Tx, vaultID []byte, p *verifiedPolicy, h *headBody) error {
	chain, err := loadChain(tx, vaultID, p, h)
	if err != nil || chain == nil {
		return err
	}
	for i := range chain.stmts {
		if err := chain.stmts[i].justified(); err != nil {
			return err
		}
	}
	return nil
}

// verifyShippingBase checks a chain that starts from a shipping person's
// head as check would have while it was the newest (verifyShipped): its
// tombstones and records are the data head's but for the last shipment
// dates of the records it lists. A listed record's value at the base is
// the old value of the first statement that changed it, or the current one.
func verifyShippingBase(tx *bolt.Tx, t *tagger, chain *stmtChain) error {
	base := chain.base
	dh := tx.Bucket(bMeta).Get(mDataHead)
	if dh == nil || base.DataHead != sha256Hex(dh) {
		return &IntegrityError{What: "the shipping person's head the purge statements start from does not name the data head (meta/data_head): it was put back or replaced from outside"}
	}
	_, d, err := decodeHead(dh)
	if err != nil {
		return &IntegrityError{What: "the data head (meta/data_head) does not decode"}
	}
	bad := &IntegrityError{What: fmt.Sprintf("the head signed by shipping person %q that the purge statements start from changes customer records or erasures beyond the shipment dates it lists, which only an owner or support person may sign: records were changed from outside before the purge", base.Signer)}
	if what := protectedDiff(base, d); what != "" || base.Buckets == nil || d.Buckets == nil {
		return bad
	}
	first := map[string]entryChange{}
	for _, st := range chain.stmts {
		for _, c := range st.body.Changes {
			if _, ok := first[string(c.Key)]; c.Bucket == "records" && !ok {
				first[string(c.Key)] = c
			}
		}
	}
	want := d.Buckets.Buckets["records"]
	rb := tx.Bucket(bRecords)
	for _, e := range base.Shipped {
		id, err1 := hex.DecodeString(e.ID)
		old, err2 := hex.DecodeString(e.Old)
		if err1 != nil || err2 != nil || len(old) == 0 {
			return bad
		}
		var meta, sealed []byte
		if c, ok := first[string(id)]; ok {
			meta, sealed = c.Old, c.OldSealed
		} else if cur := rb.Get(id); cur != nil {
			meta = metadataPart(cur)
			h := sha256.Sum256(cur[len(meta):])
			sealed = h[:]
		}
		if meta == nil || !onlyShipmentDate(old, meta) {
			return bad
		}
		want.sub(t.tagHash("records", id, changeHash("records", old, sealed)))
		want.add(t.tagHash("records", id, changeHash("records", meta, sealed)))
	}
	if want != base.Buckets.Buckets["records"] {
		return bad
	}
	return nil
}

package vault

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// GroupState is the key group whose HKDF subkey tags the entries of the
// data buckets (docs/format.md, "Entry tags"). Everyone who writes data
// holds it, whatever their role; it seals nothing, so it is not one of
// AllGroups (which lists what a role can read).
const GroupState = "state"

// taggedBuckets are the buckets whose entries the head counts and sums.
// meta/last_purge is not among them: keyless purge writes it on every run,
// even when it erases nothing and logs nothing (docs/format.md).
var taggedBuckets = []string{"records", "aliases", "shipments", "tombstones"}

// entryTag is one entry's element of its bucket's sum (crypto.EntryTag):
// SHAKE256 of HMAC-SHA-256(key, bucket || 0 || key || 0 || H(value)),
// 4096 bits; for a record H(value) is SHA-256(H(metadata) || H(sealed))
// so that a statement can carry metadata and sealed hash without the
// ciphertext. In format 5 a record's element is unkeyed
// (crypto.PublicEntryTagger), so that keyless purge can recount the
// records sum; in a format-3 vault every tag is the HMAC truncated to 16
// bytes.
type entryTag = crypto.EntryTag

// tagger computes entry tags under one version of the state key.
type tagger struct {
	// mac is nil in a keyless tagger (publicTagger), which tags records
	// only.
	mac *crypto.EntryTagger
	pub *crypto.PublicEntryTagger
	// legacy: format 3's 16-byte tags, whose sums are mod 2^128. Only
	// verified (check, the upgrade); never written by a new sum.
	legacy bool
	// keyedRecords: records tagged under the state key as the other
	// buckets, as formats 3 and 4 did, until an owner upgrades the vault.
	keyedRecords bool
}

func newTagger(stateKey []byte, version uint32) (*tagger, error) {
	m, err := crypto.NewEntryTagger(stateKey, version)
	if err != nil {
		return nil, err
	}
	return &tagger{mac: m, pub: crypto.NewPublicEntryTagger()}, nil
}

// publicTagger tags the records bucket of a format-5 vault without any
// key: what keyless purge and check recount (recordsum.go).
func publicTagger() *tagger { return &tagger{pub: crypto.NewPublicEntryTagger()} }

// clone is a tagger of the same kind for another goroutine.
func (t *tagger) clone() *tagger {
	c := *t
	if t.mac != nil {
		c.mac = t.mac.Clone()
	}
	c.pub = crypto.NewPublicEntryTagger()
	return &c
}

// taggerFor is the tagger of the sums tx's format keeps: format 3's
// 128-bit ones, or format 4's keyed records, until an owner upgrades the
// vault.
func taggerFor(tx *bolt.Tx, stateKey []byte, version uint32) (*tagger, error) {
	t, err := newTagger(stateKey, version)
	if err == nil {
		t.legacy = legacySums(tx)
		t.keyedRecords = keyedRecordSums(tx)
	}
	return t, err
}

// legacySums tells whether tx's vault is format 3, whose head sums 16-byte
// tags mod 2^128 (docs/format.md, "Upgrading from format 3").
func legacySums(tx *bolt.Tx) bool {
	return string(tx.Bucket(bMeta).Get(mFormat)) == format3
}

// keyedRecordSums tells whether tx's vault tags its records under the
// state key (formats 3 and 4; docs/format.md, "Upgrade from format 4").
func keyedRecordSums(tx *bolt.Tx) bool {
	f := string(tx.Bucket(bMeta).Get(mFormat))
	return f == format3 || f == format4
}

func (t *tagger) tag(bucket string, key, value []byte) entryTag {
	return t.tagHash(bucket, key, valueHash(bucket, value))
}

// tagHash is the tag of an entry whose H(value) is h.
func (t *tagger) tagHash(bucket string, key []byte, h [32]byte) entryTag {
	switch {
	case t.legacy:
		return t.mac.LegacyTag(bucket, key, h)
	case bucket == "records" && !t.keyedRecords:
		return t.pub.Tag(bucket, key, h)
	}
	return t.mac.Tag(bucket, key, h)
}

// valueHash is H(value); a record's is over its metadata and sealed parts.
func valueHash(bucket string, value []byte) [32]byte {
	if bucket != "records" {
		return sha256.Sum256(value)
	}
	return recordHash(value, recordMetaLen(value))
}

// recordHash is a record value's H(value) when its metadata is the first
// n bytes.
func recordHash(value []byte, n int) [32]byte {
	hm, hs := sha256.Sum256(value[:n]), sha256.Sum256(value[n:])
	return sha256.Sum256(append(hm[:], hs[:]...))
}

// bucketSum is one bucket's entry count and the sum of its tags mod
// 2^4096 (crypto.TagSum), or, legacy, format 3's sum mod 2^128.
type bucketSum struct {
	Count  uint64
	Sum    crypto.TagSum
	legacy bool
}

func (s *bucketSum) add(t entryTag) {
	s.Sum.Add(&t)
	s.reduce()
	s.Count++
}

func (s *bucketSum) sub(t entryTag) {
	s.Sum.Sub(&t)
	s.reduce()
	s.Count--
}

// reduce keeps a legacy sum mod 2^128, so that sums compare with ==.
func (s *bucketSum) reduce() {
	if s.legacy {
		s.Sum = crypto.TagSumFromLegacy(s.Sum.Legacy128())
	}
}

func (s bucketSum) MarshalJSON() ([]byte, error) {
	sum := s.Sum.Bytes()
	if s.legacy {
		l := s.Sum.Legacy128()
		sum = l[:]
	}
	return json.Marshal(struct {
		Count uint64 `json:"count"`
		Sum   string `json:"sum"`
	}{s.Count, hex.EncodeToString(sum)})
}

// UnmarshalJSON reads a sum of either width: 512 bytes, or format 3's 16
// (checkSumsFormat refuses one the vault's format does not keep).
func (s *bucketSum) UnmarshalJSON(b []byte) error {
	var v struct {
		Count uint64 `json:"count"`
		Sum   string `json:"sum"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	sum, err := hex.DecodeString(v.Sum)
	if err != nil {
		return errors.New("bad bucket sum")
	}
	switch len(sum) {
	case crypto.LegacyTagSize:
		*s = bucketSum{Count: v.Count, Sum: crypto.TagSumFromLegacy(crypto.LegacySum(sum)), legacy: true}
	case crypto.TagSumSize:
		ts, err := crypto.ParseTagSum(sum)
		if err != nil {
			return err
		}
		*s = bucketSum{Count: v.Count, Sum: ts}
	default:
		return errors.New("bad bucket sum")
	}
	return nil
}

// bucketSums is the head's "buckets": what the tagged buckets held when the
// head was signed, under version State of the state key.
type bucketSums struct {
	State   uint32               `json:"state_version"`
	Buckets map[string]bucketSum `json:"sums"`
}

// txTags follows, during one write transaction, the sums of the tagged
// buckets: incrementally from the head's when those are known to describe
// the file, otherwise by a full scan when the head is signed. It starts at
// the first tagged write (or at the end), when the command has found out
// who runs it.
type txTags struct {
	started bool
	// tagger is nil while the session holds no state key (keyless).
	tagger  *tagger
	version uint32
	// incremental: sums holds the head's sums updated by every put and
	// delete so far; otherwise they are recomputed at the end.
	incremental bool
	sums        map[string]*bucketSum
	// pool computes the tags of a transaction that writes many entries;
	// inline counts those computed before it started.
	pool   *tagPool
	inline int
	// changed holds, in a shipping person's transaction, per record id
	// it overwrote, its value before the first overwrite (the head lists
	// them). Other roles keep nothing (rotate rewrites every record).
	changed map[string][]byte
	// log lists the tagged writes made before the session could tag them
	// (keyless: they become the purge statement) and, with record, every
	// tagged write (a shipping person's while statements wait).
	log    []entryChange
	record bool
	// verified: the statements the head commits to were checked against
	// a full scan in this transaction.
	verified bool
}

// beginTags prepares the tag sums of a write transaction.
func (v *Vault) beginTags() {
	v.tags.drainTags(false)
	v.tags = nil
	if v.policy != nil {
		v.tags = &txTags{}
	}
}

// tracking gives the transaction's tag sums, started on first use; nil
// for a vault before format 3.
func (v *Vault) tracking(tx *bolt.Tx) (*txTags, error) {
	t := v.tags
	if t == nil || t.started {
		return t, nil
	}
	t.started = true
	return t, v.startTags(tx, t)
}

// startTags opens the state key if the session holds it: under the head's
// version, with the head's sums, when no keyless write happened since.
func (v *Vault) startTags(tx *bolt.Tx, t *txTags) error {
	if tx.Bucket(bKeys).Bucket([]byte(GroupState)) == nil {
		return nil
	}
	if v.keys.actor == nil && len(v.opts.Identities) > 0 && v.opts.Passphrase == nil {
		// Housekeeping at open (an interrupted import's tail) runs before
		// anything unlocked the session; identity files ask for nothing,
		// so it can be a signed, tagged write too. A passphrase is never
		// asked for on a write's own initiative.
		if _, err := v.keys.whoAmI(tx); err != nil {
			return nil
		}
	}
	if v.keys.actor == nil {
		return nil
	}
	ver, err := currentVersion(tx, GroupState)
	if err != nil {
		return err
	}
	h := v.head
	incremental := h != nil && h.Buckets != nil && !legacyKeyless(tx, h) && slices.Contains(keyVersions(tx, GroupState), h.Buckets.State)
	if incremental {
		// Sums stay under the head's version while a rotation runs; the
		// transaction that drops it re-sums under the new one (endTags).
		ver = h.Buckets.State
	}
	key, err := v.keys.key(tx, GroupState, ver)
	var nr *NeedRoleError
	if errors.As(err, &nr) {
		return nil
	}
	if err != nil {
		return err
	}
	tg, err := taggerFor(tx, key, ver)
	if err != nil {
		return err
	}
	t.tagger, t.version = tg, ver
	if !incremental {
		// Re-summed at the end (endTags), writes made so far included.
		return nil
	}
	if h.Stmts != nil {
		return v.startFromStatements(tx, t, h)
	}
	if err := v.verifyShippingHead(tx, tg, h); err != nil {
		return err
	}
	t.incremental = true
	t.sums = map[string]*bucketSum{}
	for _, b := range taggedBuckets {
		s := h.Buckets.Buckets[b]
		s.legacy = tg.legacy
		t.sums[b] = &s
	}
	// Writes made before the session could tag (a passphrase session
	// finishing an import's tail before it unlocked).
	for i := range t.log {
		if err := t.log[i].apply(tg, t.sums); err != nil {
			return err
		}
	}
	return nil
}

// startFromStatements begins a person's tagging while statements wait:
// the file must be the chain's base plus the statements' changes (and
// this transaction's so far), by a full scan, and every statement
// justified; otherwise nothing is written (exit 7). A shipping person
// whose previous head verified the whole chain skips the scan: its head
// carries the base's sums and a statement of its own changes.
func (v *Vault) startFromStatements(tx *bolt.Tx, t *txTags, h *headBody) error {
	shipping := v.keys.actor.Role == RoleShipping
	t.record = shipping
	if shipping && h.Stmts.Verified == h.Stmts.Last {
		return nil
	}
	chain, err := v.pendingChain(tx)
	if err != nil {
		return err
	}
	sums, err := verifyChainSums(tx, t.tagger, t.version, chain, t.log)
	if err != nil || sums == nil {
		return err
	}
	t.incremental, t.sums, t.verified = true, sums, true
	if runs, erased, first := unapprovedRuns(chain, v.policy.body.RulesHash); runs > 0 && !shipping {
		// This write takes the statements in: what check reported about
		// their rules stays in the access log.
		return v.appendAudit(tx, AuditEntry{Action: "purge rules not approved", Count: erased, Detail: unapprovedMessage(runs, erased, first)})
	}
	return nil
}

// legacyKeyless tells whether a head written before purge statements
// existed (no stmt_version) is followed by a keyless write that left no
// statement: the sums are re-summed once, as that version did. From the
// first head with stmt_version on, such a write is refused at open.
func legacyKeyless(tx *bolt.Tx, h *headBody) bool {
	return h.StmtVersion < stmtVersion && keylessSince(tx, h)
}

// errFormat3Sums refuses a change of tagged entries in a format-3 vault:
// its 128-bit sums are not written any more, and converting them is the
// owner's upgrade (docs/format.md, "Upgrading from format 3").
var errFormat3Sums = &TrustError{What: "this vault is format 3: its entry sums must be upgraded by an owner before anyone else changes customer entries, shipments or aliases",
	Reason: TrustNotUpgraded}

// keylessSince tells whether an access-log entry of a keyless write (a
// purge, or an interrupted import's index finished without a key) follows
// the person's seq. Keyless reads (cron's list, backup) log too but change
// no tagged entry. A shipping head's records and tombstones sums are the
// data head's, so for it the keyless writes since that head count
// (ProtectedSeq).
func keylessSince(tx *bolt.Tx, h *headBody) bool {
	seq := h.PersonSeq
	if h.ProtectedSeq > 0 && h.ProtectedSeq < seq {
		seq = h.ProtectedSeq
	}
	c := tx.Bucket(bAudit).Cursor()
	for k, data := c.Seek(beBytes(seq + 1)); k != nil; k, data = c.Next() {
		var e struct {
			Action string `json:"action"`
		}
		if json.Unmarshal(data, &e) != nil || keylessWrites[e.Action] {
			return true
		}
	}
	return false
}

// keylessWrites are the access-log actions of keyless runs that change
// tagged entries; "keyless write" was logged by versions before purge
// statements for an import's tail finished without a key.
var keylessWrites = map[string]bool{"purge": true, actionKeylessWrite: true}

const actionKeylessWrite = "keyless write"

// refuseKeylessWrite ends a keyless transaction: tagged entries it
// changed must be described by a signed purge statement, which only
// purge --apply writes (sealTx). Anything else keyless is refused.
func (v *Vault) refuseKeylessWrite() error {
	t := v.tags
	if t == nil || len(t.log) == 0 || v.keys.actor != nil || v.opts.Purging || v.applying != nil {
		return nil
	}
	return &TrustError{What: "this change to customer entries needs a person's key: without one it cannot be signed", Reason: TrustNeedsPerson}
}

// tagWrite updates the sums for key of bucket going from old (nil: new)
// to value (nil: deleted). newHash, when given, is value's H(value).
func (v *Vault) tagWrite(tx *bolt.Tx, bucket string, key, old, value []byte, newHash *[32]byte) error {
	t, err := v.tracking(tx)
	if err != nil || t == nil {
		return err
	}
	if t.tagger == nil || t.record {
		t.log = append(t.log, describeChange(bucket, key, old, value))
	}
	if t.tagger == nil {
		return nil
	}
	if t.tagger.legacy {
		return errFormat3Sums
	}
	if bucket == "records" && old != nil && value != nil && v.keys.actor != nil && v.keys.actor.Role == RoleShipping {
		if t.changed == nil {
			t.changed = map[string][]byte{}
		}
		if _, ok := t.changed[string(key)]; !ok {
			t.changed[string(key)] = bytes.Clone(old)
		}
	}
	if !t.incremental {
		return nil
	}
	if old != nil {
		t.tagInto(bucket, key, valueHash(bucket, old), true)
	}
	switch {
	case newHash != nil:
		t.tagInto(bucket, key, *newHash, false)
	case value != nil:
		t.tagInto(bucket, key, valueHash(bucket, value), false)
	}
	return nil
}

// inlineTags is how many tags a transaction computes itself before it
// hands them to a tagPool (a command that writes a few entries does not
// start goroutines).
const inlineTags = 64

// tagInto adds (or, sub, subtracts) the tag of key with H(value) h to
// bucket's sum; the count at once, the 4096-bit tag on the pool once the
// transaction has written many (drainTags adds them in).
func (t *txTags) tagInto(bucket string, key []byte, h [32]byte, sub bool) {
	s := t.sums[bucket]
	if t.pool == nil && t.inline < inlineTags {
		t.inline++
		e := t.tagger.tagHash(bucket, key, h)
		if sub {
			s.sub(e)
		} else {
			s.add(e)
		}
		return
	}
	if t.pool == nil {
		t.pool = newTagPool(t.tagger)
	}
	t.pool.add(tagJob{bucket: bucket, key: bytes.Clone(key), hash: h, sub: sub})
	if sub {
		s.Count--
	} else {
		s.Count++
	}
}

// drainTags waits for the pool's tags and adds them to the sums (keep:
// false drops them, when the sums are recomputed anyway or the
// transaction failed).
func (t *txTags) drainTags(keep bool) {
	if t == nil || t.pool == nil {
		return
	}
	partial := t.pool.sums()
	t.pool = nil
	if !keep {
		return
	}
	for b, ps := range partial {
		s := t.sums[b]
		s.Sum.AddSum(ps)
		s.reduce()
	}
}

// putTagged stores value under key in one of the tagged buckets, keeping
// the transaction's sums.
func (v *Vault) putTagged(tx *bolt.Tx, bucket string, key, value []byte) error {
	b := tx.Bucket([]byte(bucket))
	if err := v.tagWrite(tx, bucket, key, b.Get(key), value, nil); err != nil {
		return err
	}
	return b.Put(key, value)
}

// putTaggedRecord is putTagged for a record value whose metadata is the
// first metaLen bytes (the writer knows; no decoding).
// sealedHash, when given, is the hash of value[metaLen:].
func (v *Vault) putTaggedRecord(tx *bolt.Tx, key, value []byte, metaLen int, sealedHash *[32]byte) error {
	b := tx.Bucket(bRecords)
	var h *[32]byte
	if t := v.tags; t != nil && t.incremental {
		var rh [32]byte
		if sealedHash != nil {
			hm := sha256.Sum256(value[:metaLen])
			rh = sha256.Sum256(append(hm[:], sealedHash[:]...))
		} else {
			rh = recordHash(value, metaLen)
		}
		h = &rh
	}
	if err := v.tagWrite(tx, "records", key, b.Get(key), value, h); err != nil {
		return err
	}
	return b.Put(key, value)
}

// putTaggedRecordTags is putTaggedRecord for a writer that computed the old
// and new value's tags itself, off the transaction's goroutine (rotation's
// workers), from the value the bucket holds now. They are used when the
// transaction keeps its sums incrementally under the same state key
// version; otherwise it tags as putTaggedRecord does.
func (v *Vault) putTaggedRecordTags(tx *bolt.Tx, key, value []byte, metaLen int, tags *recordTags) error {
	t, err := v.tracking(tx)
	if err != nil {
		return err
	}
	shipping := v.keys.actor != nil && v.keys.actor.Role == RoleShipping
	if tags == nil || t == nil || t.tagger == nil || t.tagger.keyedRecords || !t.incremental || t.version != tags.version || shipping {
		return v.putTaggedRecord(tx, key, value, metaLen, nil)
	}
	s := t.sums["records"]
	s.sub(tags.old)
	s.add(tags.new)
	return tx.Bucket(bRecords).Put(key, value)
}

// deleteTagged deletes key from one of the tagged buckets.
func (v *Vault) deleteTagged(tx *bolt.Tx, bucket string, key []byte) error {
	b := tx.Bucket([]byte(bucket))
	if old := b.Get(key); old != nil {
		if err := v.tagWrite(tx, bucket, key, old, nil, nil); err != nil {
			return err
		}
	}
	return b.Delete(key)
}

// putTaggedJSON is putJSON for the tagged buckets.
func (v *Vault) putTaggedJSON(tx *bolt.Tx, bucket string, key []byte, val any) error {
	data, err := json.Marshal(val)
	if err != nil {
		return err
	}
	return v.putTagged(tx, bucket, key, data)
}

// endTags gives the sums the head signs: nil when this session tags nothing.
func (v *Vault) endTags(tx *bolt.Tx) (*bucketSums, error) {
	t, err := v.tracking(tx)
	if err != nil || t == nil {
		return nil, err
	}
	if t.tagger == nil {
		// Keyless until now (the command unlocked after its first
		// tagged write, or wrote none): tag what the file holds.
		if err := v.startTags(tx, t); err != nil || t.tagger == nil {
			return nil, err
		}
	}
	if t.record && v.head != nil && v.head.Stmts != nil {
		// A shipping person while statements wait: the head carries the
		// chain base's sums and a statement of this transaction's changes.
		return v.head.Buckets, nil
	}
	cur, err := currentVersion(tx, GroupState)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(keyVersions(tx, GroupState), t.version) {
		key, err := v.keys.key(tx, GroupState, cur)
		if err != nil {
			return nil, err
		}
		if t.tagger, err = taggerFor(tx, key, cur); err != nil {
			return nil, err
		}
		t.drainTags(false)
		t.version, t.incremental = cur, false
	}
	t.drainTags(t.incremental)
	if t.tagger.legacy && !t.incremental {
		return nil, errFormat3Sums
	}
	out := &bucketSums{State: t.version, Buckets: map[string]bucketSum{}}
	if t.incremental {
		for _, b := range taggedBuckets {
			out.Buckets[b] = *t.sums[b]
		}
		return out, nil
	}
	out.Buckets = sumBuckets(tx, t.tagger)
	return out, nil
}

// sumBuckets recomputes every tagged bucket's count and sum, the tags on
// one goroutine per core (tx is not changed until they are done).
func sumBuckets(tx *bolt.Tx, t *tagger) map[string]bucketSum {
	return sumBucketsOf(tx, t, taggedBuckets)
}

// sumBucketsOf is sumBuckets for some of the tagged buckets (keyless: the
// records alone).
func sumBucketsOf(tx *bolt.Tx, t *tagger, buckets []string) map[string]bucketSum {
	p := newTagPool(t)
	counts := map[string]uint64{}
	for _, b := range buckets {
		c := tx.Bucket([]byte(b)).Cursor()
		for k, val := c.First(); k != nil; k, val = c.Next() {
			p.add(tagJob{bucket: b, key: k, value: val, hashValue: true})
			counts[b]++
		}
	}
	partial := p.sums()
	out := map[string]bucketSum{}
	for _, b := range buckets {
		s := bucketSum{Count: counts[b], legacy: t.legacy}
		if ps := partial[b]; ps != nil {
			s.Sum = *ps
			s.reduce()
		}
		out[b] = s
	}
	return out
}

// checkTagSums is check's full scan of the tagged buckets against the
// head's sums. pending says why they cannot be compared yet (no error).
func (v *Vault) checkTagSums(tx *bolt.Tx, h *headBody) (pending string, err error) {
	if tx.Bucket(bKeys).Bucket([]byte(GroupState)) == nil {
		return "the vault has no state key yet: its entries are not tagged until an owner opens it with a writable command", nil
	}
	if h.Buckets == nil {
		return "the entries are not tagged yet: the next write by an owner or support person tags them", nil
	}
	if legacyKeyless(tx, h) {
		return "the entry sums were not compared: a keyless run (cron) of an earlier shopvault wrote since the last signed write; the next write by a person re-signs them", nil
	}
	if err := checkLastPurge(tx, h); err != nil {
		return "", err
	}
	key, err := v.keys.key(tx, GroupState, h.Buckets.State)
	if err != nil {
		return "", err
	}
	t, err := taggerFor(tx, key, h.Buckets.State)
	if err != nil {
		return "", err
	}
	if h.Stmts != nil {
		chain, err := loadChain(tx, v.vaultID, v.policy, h)
		if err != nil {
			return "", err
		}
		if sums, err := verifyChainSums(tx, t, h.Buckets.State, chain, nil); err != nil || sums == nil {
			return "", err
		}
		return "", nil
	}
	got := sumBuckets(tx, t)
	for _, b := range taggedBuckets {
		want, have := h.Buckets.Buckets[b], got[b]
		switch {
		case want.Count != have.Count:
			return "", &IntegrityError{What: fmt.Sprintf("the %s bucket holds %d entries, the signed state head says %d: entries were deleted or inserted from outside", b, have.Count, want.Count)}
		case want != have:
			return "", &IntegrityError{What: fmt.Sprintf("the %s bucket's entry tags do not add up to the signed state head's sum: an entry was changed or put back from outside", b)}
		}
	}
	if dh := tx.Bucket(bMeta).Get(mDataHead); h.Role == RoleShipping && dh != nil {
		// verifyDataHead checked its signature at open.
		_, d, err := decodeHead(dh)
		if err != nil {
			return "", &IntegrityError{What: "the data head (meta/data_head) does not decode"}
		}
		if err := verifyShipped(tx, t, h, d); err != nil {
			return "", err
		}
	}
	return "", nil
}

// addStateKey gives a vault made before entry tags (format 3 without them,
// or just upgraded from format 2) its state key at an owner's writable
// open, wrapped to every person, and tags its entries in the same
// transaction. Others leave it to the owner; check says so meanwhile.
func (v *Vault) addStateKey() error {
	if v.policy == nil || (len(v.opts.Identities) == 0 && v.opts.Passphrase == nil) {
		return nil
	}
	hasStateKey := false
	if err := v.view(func(tx *bolt.Tx) error {
		hasStateKey = tx.Bucket(bKeys).Bucket([]byte(GroupState)) != nil
		return nil
	}); err != nil || hasStateKey {
		return err
	}
	owner, err := v.sessionIsOwner()
	if err != nil || !owner {
		return err
	}
	return v.update(func(tx *bolt.Tx) error {
		key, err := crypto.NewKey(v.opts.Rand)
		if err != nil {
			return err
		}
		to, err := currentWrapTargets(tx, GroupState, "")
		if err != nil {
			return err
		}
		if err := v.keys.storeNewVersion(tx, GroupState, 1, key, to); err != nil {
			return err
		}
		v.keys.remember(GroupState, 1, key)
		t, err := newTagger(key, 1)
		if err != nil {
			return err
		}
		v.tags = &txTags{started: true, tagger: t, version: 1}
		return v.appendAudit(tx, AuditEntry{Action: "upgrade", Detail: "entry tags"})
	})
}

// checkLastPurge compares meta/last_purge with the one the head saw. Keyless
// purge rewrites it on every run, even one that erases nothing (and logs
// nothing), so a newer one is expected; a missing one, or one older than
// the head, was deleted or put back from outside.
func checkLastPurge(tx *bolt.Tx, h *headBody) error {
	data := tx.Bucket(bMeta).Get(mLastPurge)
	if h.LastPurge == "" || (data != nil && sha256Hex(data) == h.LastPurge) {
		return nil
	}
	var p purgeRecord
	if data == nil || json.Unmarshal(data, &p) != nil || p.Time.Before(h.Time) {
		return &IntegrityError{What: "the record of the last purge (meta/last_purge) was deleted or put back from outside: it is not the one the signed state head saw, nor a newer one"}
	}
	return nil
}

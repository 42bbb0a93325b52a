package vault

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
	"github.com/shopvault/shopvault/vault/atomicfile"
)

// The purge key lets keyless purge (cron) sign what it did without holding
// any key that opens customer data: its public key is in the owner-signed
// policy, its seed in a file beside the retention rules. A head it signs
// may cover only purge entries of the access log (docs/format.md, "Purge
// statements").

// purgeSigner names the purge key as a head's signer and role.
const purgeSigner = "purge"

func (v *Vault) purgeKeyPath() string {
	if v.opts.PurgeKeyDir == "" || len(v.vaultID) == 0 {
		return ""
	}
	return filepath.Join(v.opts.PurgeKeyDir, "purge-"+hex.EncodeToString(v.vaultID)+".key")
}

// newPurgeKey makes the vault's purge key in tx (init, upgrade): the seed
// to its file, the public key to meta/purge_key, so the policy signs it.
func (v *Vault) newPurgeKey(tx *bolt.Tx) error {
	path := v.purgeKeyPath()
	if path == "" {
		return nil
	}
	seed, err := crypto.NewSigningSeed(v.opts.Rand)
	if err != nil {
		return err
	}
	defer clear(seed)
	key, _ := crypto.SigningKeyFromSeed(seed)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write the purge key: %w", err)
	}
	text := "# shopvault purge key: lets keyless purge sign what it erased; it opens no customer data\n" + hex.EncodeToString(seed) + "\n"
	if err := atomicfile.WriteFile(path, []byte(text), 0o600); err != nil {
		return fmt.Errorf("write the purge key: %w", err)
	}
	return tx.Bucket(bMeta).Put(mPurgeKey, []byte(hex.EncodeToString(key.Public().(ed25519.PublicKey))))
}

// NewPurgeKey issues a new purge key (owner only): its seed to the key
// file on this machine, its public key to a new policy version, so the old
// key signs nothing from then on. It returns the key file's path.
func (v *Vault) NewPurgeKey() (string, error) {
	path := v.purgeKeyPath()
	if path == "" {
		return "", errors.New("no folder for the purge key (set XDG_CONFIG_HOME or HOME)")
	}
	err := v.update(func(tx *bolt.Tx) error {
		if err := v.requireRole(tx, RoleOwner); err != nil {
			return err
		}
		if err := v.newPurgeKey(tx); err != nil {
			return err
		}
		return v.appendAudit(tx, AuditEntry{Action: "purge key", Detail: "a new purge key was issued"})
	})
	return path, err
}

// loadPurgeKey reads the purge key; nil when there is none on this machine.
func (v *Vault) loadPurgeKey(want string) (ed25519.PrivateKey, error) {
	path := v.purgeKeyPath()
	if path == "" || want == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the purge key: %w", err)
	}
	var seedHex string
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			seedHex = line
		}
	}
	seed, err := hex.DecodeString(seedHex)
	if err != nil {
		return nil, v.noPurgeKey("the purge key file " + path + " does not decode")
	}
	key, err := crypto.SigningKeyFromSeed(seed)
	clear(seed)
	if err != nil || hex.EncodeToString(key.Public().(ed25519.PublicKey)) != want {
		return nil, v.noPurgeKey("the purge key file " + path + " is not this vault's purge key (the signed policy names another)")
	}
	return key, nil
}

// noPurgeKey is the refusal of a keyless purge that cannot sign.
func (v *Vault) noPurgeKey(what string) error {
	path := v.purgeKeyPath()
	if path == "" {
		path = "purge-<vault id>.key in the shopvault config folder"
	}
	where := "; the purge key belongs at " + path
	if strings.Contains(what, path) {
		where = "" // what names the file already
	}
	return &TrustError{What: what + ": keyless purge signs what it erases with it and does not run without it" + where + " (init writes it)",
		Reason: TrustNoPurgeKey}
}

// purgeSigningKey is the purge key a keyless purge must sign with.
func (v *Vault) purgeSigningKey(p *verifiedPolicy) (ed25519.PrivateKey, error) {
	if p.body.PurgeKey == "" {
		return nil, v.noPurgeKey("this vault has no purge key")
	}
	key, err := v.loadPurgeKey(p.body.PurgeKey)
	if err == nil && key == nil {
		err = v.noPurgeKey("the purge key file " + v.purgeKeyPath() + " is missing")
	}
	return key, err
}

// purgeMaySign checks that a keyless purge can start or extend a chain of
// statements on head prev: nothing but keyless entries after the person's
// seq, and no keyless write of an earlier shopvault waiting to be
// re-summed (its sums would not lead to the file).
func purgeMaySign(tx *bolt.Tx, prev *headBody) error {
	if prev.Stmts == nil && (prev.Signer == purgeSigner || legacyKeyless(tx, prev)) {
		return &TrustError{What: "a keyless run of an earlier shopvault wrote to this vault since a person last signed it; purge can sign again once a person has",
			Reason: TrustPurgeWaits}
	}
	return onlyKeyless(tx, prev.PersonSeq, 1<<63)
}

// signPurgeHead ends a keyless purge transaction: a statement of every
// tagged change, signed with the purge key, and a head naming it. A
// transaction that changed no tagged entry and logged nothing (the
// closing meta/last_purge) signs nothing.
func (v *Vault) signPurgeHead(tx *bolt.Tx, out *txSeal) error {
	prev := v.head
	if prev == nil {
		return nil
	}
	var changes []entryChange
	if v.tags != nil {
		changes = v.tags.log
	}
	a, err := lastAudit(tx)
	if err != nil {
		return err
	}
	if len(changes) == 0 && a.Seq == prev.Audit.Seq {
		return nil
	}
	key, err := v.purgeSigningKey(out.policy)
	if err != nil {
		return err
	}
	if err := purgeMaySign(tx, prev); err != nil {
		return err
	}
	m := tx.Bucket(bMeta)
	counter := prev.Counter + 1
	st := statementBody{VaultID: hex.EncodeToString(v.vaultID), Counter: counter, HeadBefore: sha256Hex(m.Get(mHead)),
		Time: v.now(), Signer: purgeSigner, Rules: v.applying, Changes: changes}
	if st.Changes == nil {
		st.Changes = []entryChange{}
	}
	point := &stmtPoint{First: counter}
	if prev.Stmts != nil {
		st.Prev, point.First, point.Verified = prev.Stmts.Hash, prev.Stmts.First, prev.Stmts.Verified
	} else {
		st.Base = bytes.Clone(m.Get(mHead))
	}
	if err := putStatement(tx, key, &st, point); err != nil {
		return err
	}
	h := headBody{VaultID: hex.EncodeToString(v.vaultID), Counter: counter, Time: v.now(), Signer: purgeSigner, Role: purgeSigner,
		Policy: trustedPoint{Version: out.policy.body.Version, Hash: out.policy.hash}, Audit: a, PersonSeq: prev.PersonSeq,
		// The purge key cannot tag: the sums stay the chain base's, and
		// the statements say what changed since (statements.go).
		Buckets: prev.Buckets, LastPurge: prev.LastPurge, ProtectedSeq: prev.ProtectedSeq, Stmts: point, StmtVersion: stmtVersion}
	if dh := m.Get(mDataHead); dh != nil {
		h.DataHead = sha256Hex(dh)
	}
	h.bindMeta(tx)
	body, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if err := m.Put(mHead, crypto.EncodeSigned(key, crypto.DomainHead, body)); err != nil {
		return err
	}
	out.head = &h
	return nil
}

// putStatement signs and stores a statement under its counter and moves
// point's last statement to it.
func putStatement(tx *bolt.Tx, key ed25519.PrivateKey, st *statementBody, point *stmtPoint) error {
	if err := st.pack(); err != nil {
		return err
	}
	body, err := json.Marshal(st)
	if err != nil {
		return err
	}
	stored := crypto.EncodeSigned(key, crypto.DomainPurge, body)
	b, err := tx.CreateBucketIfNotExists(bPurges)
	if err != nil {
		return err
	}
	b.FillPercent = 0.95
	if err := b.Put(beBytes(st.Counter), stored); err != nil {
		return err
	}
	point.Last, point.Hash = st.Counter, sha256Hex(stored)
	return nil
}

// dropStatements deletes the statements an owner or support write verified.
func dropStatements(tx *bolt.Tx) error {
	if tx.Bucket(bPurges) == nil {
		return nil
	}
	return tx.DeleteBucket(bPurges)
}

// shippingStatement makes a shipping person's head while statements wait:
// it carries the chain base's sums, and its own tagged changes (shipment
// dates, new shipments) go into a statement it signs, which the next owner
// or support write checks with the rest.
func shippingStatement(tx *bolt.Tx, vaultID []byte, h, prev *headBody, r *policyRecipient, priv ed25519.PrivateKey, now time.Time, tags *txTags) error {
	m := tx.Bucket(bMeta)
	h.Buckets = prev.Buckets
	if dh := m.Get(mDataHead); dh != nil {
		_, d, err := decodeHead(dh)
		if err != nil {
			return &IntegrityError{What: "the data head (meta/data_head) does not decode"}
		}
		h.DataHead, h.ProtectedSeq = sha256Hex(dh), d.PersonSeq
	}
	point := *prev.Stmts
	verified := tags != nil && (tags.verified || (tags.tagger != nil && prev.Stmts.Verified == prev.Stmts.Last))
	if tags != nil && len(tags.log) > 0 {
		st := statementBody{VaultID: hex.EncodeToString(vaultID), Counter: h.Counter, Prev: prev.Stmts.Hash, HeadBefore: sha256Hex(m.Get(mHead)),
			Time: now, Signer: r.ID, Changes: tags.log}
		if !st.justifiedShip() {
			return refuseShippingHead("a customer record or erasure")
		}
		if err := putStatement(tx, priv, &st, &point); err != nil {
			return err
		}
	}
	if verified {
		point.Verified = point.Last
	}
	h.Stmts = &point
	return nil
}

// keylessActions may follow a person's head under the purge key's
// signature: cron's own runs, none of which can change a tagged entry
// without a statement.
var keylessActions = map[string]bool{"purge": true, "backup": true, "list": true}

// onlyKeyless checks that every audit entry after seq, up to through, is
// one of cron's keyless runs.
func onlyKeyless(tx *bolt.Tx, seq, through uint64) error {
	c := tx.Bucket(bAudit).Cursor()
	for k, data := c.Seek(beBytes(seq + 1)); k != nil && beUint64(k) <= through; k, data = c.Next() {
		var e struct {
			Action string `json:"action"`
			Actor  string `json:"actor"`
			Role   string `json:"role"`
		}
		if err := json.Unmarshal(data, &e); err != nil || !keylessActions[e.Action] || e.Actor != "cron" || e.Role != "" {
			return &IntegrityError{What: fmt.Sprintf("audit entry %d is covered only by the purge key but is not a keyless run of cron", beUint64(k))}
		}
	}
	return nil
}

// refuseUnsignedKeylessWrites: under a head written by a shopvault that
// writes statements, an unsigned access-log entry claiming a keyless purge
// or write is someone else's (cron signs its purges), added with changes
// of their own.
func refuseUnsignedKeylessWrites(tx *bolt.Tx, h *headBody) error {
	if h.StmtVersion < stmtVersion {
		return nil
	}
	c := tx.Bucket(bAudit).Cursor()
	for k, data := c.Seek(beBytes(h.Audit.Seq + 1)); k != nil; k, data = c.Next() {
		var e struct {
			Action string `json:"action"`
		}
		if json.Unmarshal(data, &e) != nil || keylessWrites[e.Action] {
			return &IntegrityError{What: fmt.Sprintf("access-log entry %d claims a keyless purge or write that no purge statement signs: customer entries were changed from outside; restore from a backup made before it", beUint64(k))}
		}
	}
	return nil
}

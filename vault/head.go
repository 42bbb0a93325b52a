package vault

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// headBody is the signed state head (meta/head): which policy the vault is
// under, how many write transactions it has seen, and the newest audit
// entry, signed by the person whose transaction wrote it. It replaces the
// owner-only audit MAC: every entry up to the head's seq is authenticated
// by whoever signed the head (docs/format.md, "State head").
type headBody struct {
	VaultID string       `json:"vault_id"`
	Counter uint64       `json:"counter"`
	Time    time.Time    `json:"time"`
	Signer  string       `json:"signer"`
	Role    Role         `json:"role"`
	Policy  trustedPoint `json:"policy"`
	Audit   auditPoint   `json:"audit"`
	// PersonSeq is the newest audit entry a person's signature covers;
	// entries after it up to Audit.Seq are covered by the purge key only,
	// and may only be purges.
	PersonSeq uint64 `json:"person_seq"`
	// Buckets counts and sums the tagged entries (nil before the state
	// key exists or when the signer holds none).
	Buckets *bucketSums `json:"buckets,omitempty"`
	// LastPurge is the SHA-256 of meta/last_purge as the signer saw it.
	LastPurge string `json:"last_purge,omitempty"`
	// DataHead is the SHA-256 of meta/data_head as a shipping or purge
	// signer saw it; ProtectedSeq is that data head's person seq, after
	// which keyless writes leave the records and tombstones sums of a
	// shipping head unsigned (docs/format.md, "State head").
	DataHead     string `json:"data_head,omitempty"`
	ProtectedSeq uint64 `json:"protected_seq,omitempty"`
	// Shipped lists, in a shipping head, the records whose metadata
	// shipping persons changed since the data head (only their last
	// shipment date may differ), with the metadata the data head saw.
	Shipped []shippedRecord `json:"shipped,omitempty"`
	// Stmts commits to the statements waiting since the last owner or
	// support head (statements.go); StmtVersion marks a head written by a
	// shopvault that writes them.
	Stmts       *stmtPoint `json:"statements,omitempty"`
	StmtVersion int        `json:"stmt_version,omitempty"`
	// Created and LastID are meta/created and meta/last_id (hex) as the
	// signer saw them (format 4; checkBoundMeta).
	Created string `json:"created,omitempty"`
	LastID  string `json:"last_id,omitempty"`
	// Rotation is the SHA-256 of meta/rotation as the signer saw it, ""
	// when no rotation ran; nil in heads written before it was bound, so
	// that a marker put in from outside is exit 7 at open (checkBoundMeta).
	Rotation *string `json:"rotation,omitempty"`
	// Format is meta/format as the signer saw it; absent in heads written
	// before format 5 (checkSumsFormat).
	Format string `json:"format,omitempty"`
}

// shippedRecord is one record a shipping person's ship changed: its id and
// its metadata (the value without the sealed part) before the first ship
// since the data head, in hex.
type shippedRecord struct {
	ID  string `json:"id"`
	Old string `json:"old"`
}

type auditPoint struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

// verifyHead checks meta/head against the verified newest policy: a valid
// signature by a recipient it lists, in the role it lists, naming it.
func verifyHead(tx *bolt.Tx, vaultID []byte, p *verifiedPolicy) (*headBody, error) {
	data := tx.Bucket(bMeta).Get(mHead)
	if data == nil {
		return nil, &IntegrityError{What: "the signed state head (meta/head) is missing"}
	}
	signer, body, err := crypto.OpenSigned(crypto.DomainHead, data)
	if err != nil {
		return nil, &IntegrityError{What: "the state head's signature does not verify"}
	}
	var h headBody
	if err := json.Unmarshal(body, &h); err != nil {
		return nil, &IntegrityError{What: "the state head does not decode"}
	}
	if h.VaultID != hex.EncodeToString(vaultID) {
		return nil, &IntegrityError{What: "the state head belongs to another vault"}
	}
	if h.Policy.Version != p.body.Version || h.Policy.Hash != p.hash {
		return nil, &IntegrityError{What: fmt.Sprintf("the state head names policy version %d, the file's newest is %d: the keyring or the head was put back or replaced", h.Policy.Version, p.body.Version)}
	}
	if h.Signer == purgeSigner {
		if p.body.PurgeKey == "" || p.body.PurgeKey != hex.EncodeToString(signer) || h.Role != purgeSigner {
			return nil, &IntegrityError{What: "the state head is not signed by the vault's purge key it names"}
		}
		return &h, nil
	}
	r := p.recipient(h.Signer)
	if r == nil || r.SigningKey != hex.EncodeToString(signer) || r.Role != h.Role || h.PersonSeq != h.Audit.Seq {
		return nil, &IntegrityError{What: "the state head is not signed by the recipient it names"}
	}
	return &h, nil
}

// lastAudit is the newest audit entry's seq and hash.
func lastAudit(tx *bolt.Tx) (auditPoint, error) {
	k, data := tx.Bucket(bAudit).Cursor().Last()
	if k == nil {
		return auditPoint{}, nil
	}
	var e struct {
		Seq  uint64 `json:"seq"`
		Hash string `json:"hash"`
	}
	if err := json.Unmarshal(data, &e); err != nil {
		return auditPoint{}, &IntegrityError{What: fmt.Sprintf("audit entry %d does not decode", beUint64(k))}
	}
	return auditPoint{Seq: e.Seq, Hash: e.Hash}, nil
}

// signHead writes a new head signed by priv for recipient r.
func signHead(tx *bolt.Tx, vaultID []byte, prev *headBody, p *verifiedPolicy, r *policyRecipient, priv ed25519.PrivateKey, now time.Time, sums *bucketSums, tags *txTags) (*headBody, error) {
	a, err := lastAudit(tx)
	if err != nil {
		return nil, err
	}
	h := headBody{VaultID: hex.EncodeToString(vaultID), Counter: 1, Time: now, Signer: r.ID, Role: r.Role,
		Policy: trustedPoint{Version: p.body.Version, Hash: p.hash}, Audit: a, PersonSeq: a.Seq, Buckets: sums, StmtVersion: stmtVersion}
	if lp := tx.Bucket(bMeta).Get(mLastPurge); lp != nil {
		h.LastPurge = sha256Hex(lp)
	}
	h.bindMeta(tx)
	if prev != nil {
		h.Counter = prev.Counter + 1
	}
	waiting := prev != nil && prev.Stmts != nil
	switch {
	case waiting && r.Role == RoleShipping:
		if err := shippingStatement(tx, vaultID, &h, prev, r, priv, now, tags); err != nil {
			return nil, err
		}
	case r.Role == RoleShipping:
		if err := keepDataSums(tx, &h, prev, tags); err != nil {
			return nil, err
		}
	case waiting:
		// An owner or support person verified the statements (startTags)
		// and signs the sums they lead to: they are done with.
		if err := dropStatements(tx); err != nil {
			return nil, err
		}
	}
	body, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	signed := crypto.EncodeSigned(priv, crypto.DomainHead, body)
	if err := tx.Bucket(bMeta).Put(mHead, signed); err != nil {
		return nil, err
	}
	if dataRoles[r.Role] {
		if err := tx.Bucket(bMeta).Put(mDataHead, signed); err != nil {
			return nil, err
		}
	}
	return &h, nil
}

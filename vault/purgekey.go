package vault

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

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
		return nil, &IntegrityError{What: "the purge key file " + path + " does not decode"}
	}
	key, err := crypto.SigningKeyFromSeed(seed)
	clear(seed)
	if err != nil || hex.EncodeToString(key.Public().(ed25519.PublicKey)) != want {
		return nil, &IntegrityError{What: "the purge key file " + path + " is not the vault's purge key"}
	}
	return key, nil
}

// signPurgeHead signs the head of a keyless purge transaction with the
// purge key, when this machine has it and the log since the last head a
// person signed holds nothing but purges.
func (v *Vault) signPurgeHead(tx *bolt.Tx, out *txSeal) error {
	key, err := v.loadPurgeKey(out.policy.body.PurgeKey)
	if err != nil || key == nil {
		return err
	}
	prev := v.head
	if prev == nil {
		return nil
	}
	if err := onlyPurges(tx, prev.PersonSeq, 1<<63); err != nil {
		// Someone else's unsigned entries: leave them unsigned.
		return nil
	}
	a, err := lastAudit(tx)
	if err != nil {
		return err
	}
	h := headBody{VaultID: hex.EncodeToString(v.vaultID), Counter: prev.Counter + 1, Time: v.now(), Signer: purgeSigner, Role: purgeSigner,
		Policy: trustedPoint{Version: out.policy.body.Version, Hash: out.policy.hash}, Audit: a, PersonSeq: prev.PersonSeq,
		// The purge key cannot tag: the sums stay the person's, and the
		// purges after PersonSeq tell the next person's write to re-sum.
		Buckets: prev.Buckets, LastPurge: prev.LastPurge, ProtectedSeq: prev.ProtectedSeq}
	if dh := tx.Bucket(bMeta).Get(mDataHead); dh != nil {
		h.DataHead = sha256Hex(dh)
	}
	body, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bMeta).Put(mHead, crypto.EncodeSigned(key, crypto.DomainHead, body)); err != nil {
		return err
	}
	out.head = &h
	return nil
}

// onlyPurges checks that every audit entry after seq, up to through, is a
// purge.
func onlyPurges(tx *bolt.Tx, seq, through uint64) error {
	c := tx.Bucket(bAudit).Cursor()
	for k, data := c.Seek(beBytes(seq + 1)); k != nil && beUint64(k) <= through; k, data = c.Next() {
		var e struct {
			Action string `json:"action"`
		}
		if err := json.Unmarshal(data, &e); err != nil || e.Action != "purge" {
			return &IntegrityError{What: fmt.Sprintf("audit entry %d is covered only by the purge key but is not a purge", beUint64(k))}
		}
	}
	return nil
}

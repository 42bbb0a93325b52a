package vault

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
	"github.com/shopvault/shopvault/vault/atomicfile"
)

// BackupResult reports a backup.
type BackupResult struct {
	Bytes      int64    `json:"bytes"`
	Recipients []string `json:"recipients"`
	Customers  int      `json:"customers"`
}

// Backup writes a consistent snapshot (one bbolt read transaction) of the
// vault file, age-encrypted to every owner recipient. The snapshot is itself
// a valid vault; `age -d` opens it. It needs no key: only public recipients.
func (v *Vault) Backup(w io.Writer) (BackupResult, error) {
	var res BackupResult
	err := v.view(func(tx *bolt.Tx) error {
		var rcpts []age.Recipient
		err := tx.Bucket(bRecipients).ForEach(func(_, data []byte) error {
			var info recipientInfo
			if err := json.Unmarshal(data, &info); err != nil {
				return &IntegrityError{What: "recipient entry does not decode"}
			}
			if info.Role != RoleOwner {
				return nil
			}
			r, err := crypto.ParseRecipient(info.Recipient, nil)
			if err != nil {
				return err
			}
			rcpts = append(rcpts, r)
			res.Recipients = append(res.Recipients, info.Label)
			return nil
		})
		if err != nil {
			return err
		}
		res.Customers = countKeys(tx.Bucket(bRecords))
		aw, err := crypto.EncryptTo(w, rcpts...)
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		n, err := tx.WriteTo(aw)
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		res.Bytes = n
		return aw.Close()
	})
	if err != nil {
		return res, err
	}
	if !v.opts.ReadOnly {
		err = v.update(func(tx *bolt.Tx) error {
			return v.appendAudit(tx, AuditEntry{Action: "backup", Count: res.Customers})
		})
	}
	return res, err
}

// RestoreResult reports a restore.
type RestoreResult struct {
	Customers  int `json:"customers"`
	Reapplied  int `json:"erasures_reapplied"`
	Tombstones int `json:"tombstones"`
}

// Restore replaces the vault with a backup decrypted by the session's
// identities. The current file is kept as PATH.before-restore until the new
// one is in place and checked; then every erasure recorded in the current
// vault is applied again, so a restored backup never brings back an erased
// customer.
func (v *Vault) Restore(src io.Reader) (RestoreResult, error) {
	var res RestoreResult
	ids, err := v.sessionIdentities()
	if err != nil {
		return res, err
	}
	tmp := v.path + ".restore-tmp"
	defer os.Remove(tmp)
	if err := decryptBackup(src, ids, tmp); err != nil {
		return res, err
	}
	// Every erasure of the current vault is applied to the restored file
	// before it replaces the vault, so no moment exists (even if killed)
	// where an erased customer is back.
	var stones map[string]tombstone
	if err := v.view(func(tx *bolt.Tx) error {
		var err error
		stones, err = v.tombstones(tx)
		return err
	}); err != nil {
		return res, err
	}
	tdb, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: v.opts.LockWait})
	if err != nil {
		return res, &InputError{Field: "backup", Reason: "does not contain a shopvault vault"}
	}
	tv := &Vault{db: tdb, path: tmp, opts: v.opts, ids: idMinter{rand: v.opts.Rand, last: v.ids.last}}
	tv.keys = newKeyring(tv)
	tv.keys.ids = ids
	err = tv.update(func(tx *bolt.Tx) error {
		if last := tx.Bucket(bMeta).Get(mLastID); len(last) == 8 && beUint64(last) > tv.ids.last {
			tv.ids.last = beUint64(last)
		}
		erased := map[string]bool{}
		for idHex, t := range stones {
			id, err := parseRecordID(idHex)
			if err != nil {
				return err
			}
			if m, err := loadMeta(tx, id); err != nil {
				return err
			} else if m != nil {
				if err := tv.eraseInTx(tx, id, m, t.By); err != nil {
					return err
				}
				erased[idHex] = true
				res.Reapplied++
			}
			if err := putJSON(tx.Bucket(bTombstones), id[:], t); err != nil {
				return err
			}
		}
		if err := unlinkShipments(tx, erased); err != nil {
			return err
		}
		res.Customers = countKeys(tx.Bucket(bRecords))
		res.Tombstones = countKeys(tx.Bucket(bTombstones))
		return tv.appendAudit(tx, AuditEntry{Action: "restore", Count: res.Customers, Detail: fmt.Sprintf("%d erasures re-applied", res.Reapplied)})
	})
	tdb.Close()
	if err != nil {
		return res, fmt.Errorf("re-applying erasures to the backup (the vault is unchanged): %w", err)
	}
	before := v.path + ".before-restore"
	if err := copyFile(v.path, before); err != nil {
		return res, fmt.Errorf("keep a copy of the current vault: %w", err)
	}
	if err := v.db.Close(); err != nil {
		return res, err
	}
	v.db = nil
	if err := atomicfile.Replace(tmp, v.path); err != nil {
		return res, v.reopen(err)
	}
	if err := v.reopen(nil); err != nil {
		return res, err
	}
	v.keys.wipe()
	v.keys.actor, v.keys.ids = nil, nil
	if err := v.Compact(); err != nil {
		return res, err
	}
	os.Remove(before)
	return res, nil
}

func (v *Vault) sessionIdentities() ([]age.Identity, error) {
	var ids []age.Identity
	err := v.view(func(tx *bolt.Tx) error {
		var err error
		ids, err = v.keys.identities(tx)
		return err
	})
	return ids, err
}

// checkBackupFile makes sure a decrypted backup is a vault of our format.
func checkBackupFile(path string) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		return &InputError{Field: "backup", Reason: "does not contain a shopvault vault"}
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(bMeta)
		if m == nil || string(m.Get(mFormat)) != FormatVersion {
			return &InputError{Field: "backup", Reason: "does not contain a shopvault vault of format " + FormatVersion}
		}
		for _, b := range allBuckets {
			if tx.Bucket(b) == nil {
				return &InputError{Field: "backup", Reason: "is missing part of a vault"}
			}
		}
		return nil
	})
}

// copyFile copies src to dst (0600) atomically.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return atomicfile.Write(dst, 0o600, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
}

// RestoreFresh restores a backup where no vault exists yet (a new machine).
func RestoreFresh(path string, src io.Reader, ids []age.Identity) error {
	if _, err := os.Stat(path); err == nil {
		return ErrExists
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".restore-tmp"
	defer os.Remove(tmp)
	if err := decryptBackup(src, ids, tmp); err != nil {
		return err
	}
	return atomicfile.Replace(tmp, path)
}

// decryptBackup decrypts a backup into a new 0600 file at tmp and checks
// that it is a vault of this format. The caller removes tmp.
func decryptBackup(src io.Reader, ids []age.Identity, tmp string) error {
	plain, err := crypto.DecryptFrom(src, ids...)
	if err != nil {
		if errors.Is(err, crypto.ErrNoIdentityMatch) {
			return fmt.Errorf("%w: the identity given cannot open this backup", ErrWrongIdentity)
		}
		return &InputError{Field: "backup", Reason: "is not an age-encrypted shopvault backup"}
	}
	os.Remove(tmp)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, plain); err != nil {
		f.Close()
		return &InputError{Field: "backup", Reason: "could not be decrypted completely (truncated or corrupt)"}
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return checkBackupFile(tmp)
}

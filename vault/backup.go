package vault

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
	"github.com/shopvault/shopvault/vault/atomicfile"
)

// BackupResult reports a backup.
type BackupResult struct {
	Bytes int64 `json:"bytes"` // of the encrypted backup, as written to w

	Recipients []string `json:"recipients"`
	Customers  int      `json:"customers"`
}

// Backup writes a consistent snapshot (one bbolt read transaction) of the
// vault file, age-encrypted to every owner recipient. The snapshot is itself
// a valid vault; `age -d` opens it. It needs no key: only public recipients,
// so cron can run it; when the session has identities it is logged as
// the person they belong to (and refused if they belong to no one).
func (v *Vault) Backup(w io.Writer) (BackupResult, error) {
	var res BackupResult
	err := v.view(func(tx *bolt.Tx) error {
		if err := v.identifyIfGiven(tx); err != nil {
			return err
		}
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
		cw := &countingWriter{w: w}
		aw, err := crypto.EncryptTo(cw, rcpts...)
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		if _, err := tx.WriteTo(aw); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		if err := aw.Close(); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		res.Bytes = cw.n
		return nil
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

// countingWriter counts what reaches the backup file: the encrypted size,
// which is what BackupResult.Bytes reports.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// checkBackupFile makes sure a decrypted backup is a vault of our format.
func checkBackupFile(path string) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		return &InputError{Field: "backup", Reason: "does not contain a shopvault vault"}
	}
	defer func() { _ = db.Close() }() // opened read only: closing loses nothing
	return db.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(bMeta)
		// Backups made before the upgrade to format 3 restore too: the
		// restore upgrades them before they replace anything.
		if f := string(m.Get(mFormat)); m == nil || (!signedFormat(f) && f != format2 && f != formatReadable) {
			return &InputError{Field: "backup", Reason: "does not contain a shopvault vault of a format this version reads (1 to " + FormatVersion + ")"}
		}
		for _, b := range allBuckets {
			if tx.Bucket(b) == nil {
				return &InputError{Field: "backup", Reason: "is missing part of a vault"}
			}
		}
		return nil
	})
}

// RestoreFresh restores a backup where no vault exists yet (a new
// machine, or a damaged vault moved aside). Only an owner the backup lists
// may restore it, and the backup must verify as the vault would (its
// policy against this machine's owners or the owner's own identity, and a
// full check) before it is put in place. The restore is then logged as the
// owner, continuing the write counter from the newest state this machine
// saw, so the restored file is not taken for a rollback.
func RestoreFresh(path string, src io.Reader, opts Options) error {
	opts.fill()
	ids := opts.Identities
	if _, err := os.Stat(path); err == nil {
		return ErrExists
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	folder, err := newTempVault(path, "restore")
	if err != nil {
		return err
	}
	// Once replaced into path, the file is gone from the folder; before,
	// it is an unverified copy of sealed data, removed with the folder.
	defer folder.remove()
	tmp := folder.path
	if err := decryptBackup(src, ids, tmp); err != nil {
		return err
	}
	if err := ownedBy(tmp, ids); err != nil {
		return err
	}
	if err := verifyBackupCopy(tmp, opts); err != nil {
		return err
	}
	tv, err := openBackupCopy(tmp, opts, false)
	if err != nil {
		return err
	}
	w, err := tv.loadWitness()
	if err == nil {
		var floor uint64
		if w != nil {
			floor = w.Counter
		}
		err = tv.recordRestore(floor)
	}
	if cerr := tv.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("preparing the backup (nothing was restored): %w", err)
	}
	if err := atomicfile.Replace(tmp, path); err != nil {
		return err
	}
	return tv.pinRestoredOwner(path, opts)
}

// pinRestoredOwner opens the restored vault once with the restoring
// owner's identities, as any owner command does: the chain they verified
// with their own identity pins them on this machine, with the policy and
// head it saw, so later commands here (cron's keyless ones too) trust it.
// The owner chose this state deliberately, as a restore over the vault
// does (retrust): a policy this machine verified of the vault before is
// forgotten, and the restored chain verified from version 1.
func (tv *Vault) pinRestoredOwner(path string, opts Options) error {
	if t, err := tv.loadTrust(tv.vaultID); err == nil && t.Policy != nil {
		t.Policy = nil
		if err := tv.saveTrust(tv.vaultID, t); err != nil {
			return err
		}
	}
	opts.ReadOnly, opts.Progress = true, nil
	v, err := Open(path, opts)
	if err != nil {
		return fmt.Errorf("the backup was restored to %s, but this machine could not record its owner (%w): run shopvault trust add FINGERPRINT with the owner's fingerprint", path, err)
	}
	return v.Close()
}

// decryptBackup decrypts a backup into a new 0600 file at tmp and checks
// that it is a vault of this format. The caller removes tmp.
func decryptBackup(src io.Reader, ids []age.Identity, tmp string) error {
	plain, err := crypto.DecryptFrom(src, ids...)
	if err != nil {
		if errors.Is(err, crypto.ErrNoIdentityMatch) {
			return ErrBackupIdentity
		}
		return &InputError{Field: "backup", Reason: "is not an age-encrypted shopvault backup"}
	}
	// A killed restore leaves its copy behind: remove it (a link there
	// is removed, never followed).
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	err = atomicfile.CreateNewFrom(tmp, 0o600, func(w io.Writer) error {
		if _, err := io.Copy(w, plain); err != nil {
			return &InputError{Field: "backup", Reason: "could not be decrypted completely (truncated or corrupt)"}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return checkBackupFile(tmp)
}

// ownedBy checks that one of ids is an owner listed in the decrypted
// backup at path: a backup opens for any identity it was encrypted to, and
// anyone can encrypt to a public key.
func ownedBy(path string, ids []age.Identity) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		return &InputError{Field: "backup", Reason: "does not contain a shopvault vault"}
	}
	defer func() { _ = db.Close() }() // opened read only: closing loses nothing
	v := &Vault{db: db, path: path, opts: Options{Identities: ids}}
	v.keys = newKeyring(v)
	return db.View(func(tx *bolt.Tx) error {
		actor, err := v.keys.whoAmI(tx)
		if err != nil {
			return err
		}
		if actor.Role != RoleOwner {
			return &RoleError{Action: "restore backups", Actor: actor.Label, Role: actor.Role, Allowed: RestoreRoles}
		}
		return nil
	})
}

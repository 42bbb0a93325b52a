package vault

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/shopvault/shopvault/crypto"
	"github.com/shopvault/shopvault/vault/atomicfile"
)

// Options are what every Open needs from the outside world. Time and
// randomness come in here so tests are deterministic.
type Options struct {
	Now  func() time.Time
	Rand io.Reader
	// LockWait is how long to wait for another process to release the vault.
	LockWait time.Duration
	// Identities unlock keys; nil for keyless work (purge, list, inventory).
	Identities []age.Identity
	// Passphrase unlocks the owner identity sealed inside a vault created
	// with a passphrase; asked only when a key is needed.
	Passphrase func() (string, error)
	// PassphraseFirst says the passphrase was given on purpose (a file):
	// it is tried before Identities. Otherwise it is asked for only when
	// no identity opens the vault.
	PassphraseFirst bool
	// PassphraseTries is how many times Passphrase may be asked (a person
	// at a prompt mistypes); 0 means once.
	PassphraseTries int
	// ReadOnly opens with a shared lock; no writes, no audit entries.
	ReadOnly bool
	// Reason is recorded with every audit entry of this session.
	Reason string
	// Stop, when closed, stops a long operation (rotation) after the batch
	// in hand is committed: the vault stays consistent and the next
	// rotation finishes the job.
	Stop <-chan struct{}
	// Progress, when set, is told how far long operations are.
	Progress func(done, total int)
	// BatchSize is the number of records per transaction in long operations.
	BatchSize int
	// ImportBatchSize is the number of rows per import transaction (and
	// how far ahead rows are sealed): larger than BatchSize because each
	// commit fsyncs and rewrites the record pages it touched.
	ImportBatchSize int
	// StateDir is this machine's state directory for shopvault
	// ($XDG_STATE_HOME/shopvault): the trust files that pin each vault's
	// owners live under it. "" keeps nothing (only the session's own
	// identities are trusted).
	StateDir string
	// PurgeKeyDir is where the purge signing key of each vault is kept
	// ($XDG_CONFIG_HOME/shopvault, beside the retention rules): init and
	// the upgrade write it, keyless purge signs with it. "" for none.
	PurgeKeyDir string
	// Purging marks a keyless purge --apply session: the only keyless
	// session that signs (with the purge key), and only purge entries.
	Purging bool
	// PinOwner, when set, is an owner fingerprint to trust for this open
	// and to pin on this machine if it signed the vault's policy.
	PinOwner string
	// Restoring opens a vault that restore is about to replace: a file
	// older than this machine's rollback witness is not refused, since the
	// restore replaces it deliberately and moves the witness on.
	Restoring bool
	// AcceptRestore, with PinOwner, accepts a vault an owner restored from
	// a backup after this machine last saw it, although it does not
	// continue what this machine saw (AcceptRestore in restoremark.go).
	AcceptRestore bool
	// crashAfterBatches, when >0, makes long operations stop as if killed
	// after that many committed batches (tests of resumability).
	crashAfterBatches int
	// crashAfterIndexChunks, when >0, stops a rotation as if killed after
	// that many transactions of its final index write (tests).
	crashAfterIndexChunks int
	// tailRows, when >0, writes the import tail every tailRows rows (tests).
	tailRows int
}

// Vault is an open vault. It is not safe for concurrent use by several
// goroutines; each process holds it for one command.
type Vault struct {
	// markRestore makes the next write sign a policy version marked as a
	// restore (restoremark.go).
	markRestore bool
	// putBack: opened for a restore, the file was older than what this
	// machine saw (an older copy put back), so the restore may fork.
	putBack bool
	db      *bolt.DB
	path    string
	lock    *fileLock
	opts    Options
	ids     idMinter
	keys    *keyring
	// pending, during an import batch, defers random-key writes so they
	// can be applied in key order.
	pending *pendingPuts
	// tags follows the tagged buckets' sums in the current write transaction.
	tags *txTags
	// held, while an import runs, are the index and alias entries of
	// committed customers that are not in their buckets yet (the import's
	// tail, tail.go): lookups and alias minting must see them.
	held heldEntries

	// Format 3 (integrity.go): the vault's id, the verified newest policy
	// and state head, this machine's trust file, and whether the vault is
	// format 2 waiting for an owner to upgrade it (no writes until then).
	vaultID     []byte
	policy      *verifiedPolicy
	head        *headBody
	trust       *trustFile
	needUpgrade bool
	// applying are the rules of the purge in progress, for its statements.
	applying *appliedRules
	// witnessed is the write counter of the newest head this machine saw
	// (witness.go), 0 when none.
	witnessed uint64
}

func (o *Options) fill() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		panic("vault: Options.Rand is required")
	}
	if o.LockWait == 0 {
		o.LockWait = 5 * time.Second
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 5000
	}
	if o.ImportBatchSize <= 0 {
		o.ImportBatchSize = 10000
	}
}

// now is the session's clock in UTC, to the second: stored dates need no
// more, and shorter timestamps keep every record's metadata smaller.
func (v *Vault) now() time.Time { return v.opts.Now().UTC().Truncate(time.Second) }

// Path is the vault file.
func (v *Vault) Path() string { return v.path }

// Open opens an existing vault. It waits up to LockWait for other processes.
func Open(path string, opts Options) (*Vault, error) {
	opts.fill()
	// The reason goes into every access-log entry in plaintext.
	if err := checkCustomerMetadata("reason", opts.Reason); err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &NoVaultError{Path: path}
		}
		return nil, fmt.Errorf("open vault: %w", err)
	}
	if st.Mode().IsRegular() && st.Size() == 0 {
		// bbolt would make a new database of it, or fail to when read-only.
		return nil, &NotVaultError{Path: path, Cause: "an empty file"}
	}
	lock, err := acquireLock(path, !opts.ReadOnly, opts.LockWait)
	if err != nil {
		return nil, err
	}
	v, err := openLocked(path, opts, lock)
	if err != nil {
		lock.release()
		return nil, err
	}
	// fail closes the half-opened vault (releasing the lock): the error
	// that stopped the open is the one to report.
	fail := func(err error) (*Vault, error) {
		_ = v.Close()
		return nil, err
	}
	formatNow, err := v.format()
	if err != nil {
		return fail(err)
	}
	if signedFormat(formatNow) {
		// Before anything is used or written: the housekeeping below
		// writes, and every write signs what the file says.
		if err := v.verifyTrust(); err != nil {
			return fail(err)
		}
	} else if err := v.refuseDowngrade(formatNow); err != nil && !opts.Restoring {
		return fail(err)
	}
	if !opts.ReadOnly {
		if err := v.flattenKeyring(); err != nil {
			return fail(err)
		}
		if err := v.upgradeSums(); err != nil {
			return fail(err)
		}
		if err := v.completeTail(); err != nil {
			return fail(err)
		}
		if err := v.resumeRotation(); err != nil {
			return fail(err)
		}
		if !signedFormat(formatNow) {
			if err := v.upgrade(); err != nil {
				return fail(err)
			}
		}
		if err := v.addStateKey(); err != nil {
			return fail(err)
		}
	}
	return v, nil
}

func (v *Vault) format() (string, error) {
	var f string
	err := v.view(func(tx *bolt.Tx) error {
		f = string(tx.Bucket(bMeta).Get(mFormat))
		return nil
	})
	return f, err
}

func openLocked(path string, opts Options, lock *fileLock) (*Vault, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.LockWait, ReadOnly: opts.ReadOnly})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, ErrLocked
		}
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("open vault: %w", err) // permissions, a folder
		}
		// Anything else bbolt refuses is a file that is not a vault or a
		// damaged one: random bytes say "file size too small", a CSV
		// "invalid database"; one message and one exit code for all.
		return nil, &NotVaultError{Path: path, Cause: err.Error()}
	}
	v := &Vault{db: db, path: path, lock: lock, opts: opts, ids: idMinter{rand: opts.Rand}}
	v.keys = newKeyring(v)
	err = db.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(bMeta)
		if m == nil {
			return &NotVaultError{Path: path, Cause: "a database without shopvault's buckets"}
		}
		if f := string(m.Get(mFormat)); !signedFormat(f) && f != format2 && f != formatReadable {
			return fmt.Errorf("%w: format version %q, this shopvault reads %q", ErrFormat, f, FormatVersion)
		}
		for _, b := range allBuckets {
			if tx.Bucket(b) == nil {
				return &IntegrityError{What: fmt.Sprintf("bucket %q is missing", b)}
			}
		}
		v.vaultID = bytes.Clone(m.Get(mVaultID))
		if last := m.Get(mLastID); len(last) == 8 {
			v.ids.last = beUint64(last)
		}
		return nil
	})
	if err != nil {
		_ = db.Close() // refused before any write: the refusal is what to report
		return nil, err
	}
	return v, nil
}

// Close releases the vault and its lock.
func (v *Vault) Close() error {
	var err error
	if v.db != nil {
		err = v.db.Close()
		v.db = nil
	}
	v.keys.wipe()
	v.lock.release()
	return err
}

// CreateOptions configure a new vault.
type CreateOptions struct {
	Options
	// OwnerRecipient is the owner's public age recipient.
	OwnerRecipient string
	OwnerLabel     string
	// PassphraseIdentity, when set, is the owner identity encrypted to a
	// passphrase; it is kept in the vault so no key file is needed.
	PassphraseIdentity []byte
	Settings           Settings
	// OwnerIdentity, when given, is the owner's identity: the owner's
	// signing key is derived from it, so the identity alone re-anchors
	// trust on any machine. Without it (or for an age plugin) the signing
	// key is random, wrapped to the owner and pinned on this machine.
	OwnerIdentity age.Identity
}

// Create makes a new vault at path with fresh keys wrapped to the owner.
// It refuses to touch an existing file, and leaves nothing behind on failure.
func Create(path string, opts CreateOptions) (*Vault, error) {
	opts.fill()
	if err := checkCustomerMetadata("reason", opts.Reason); err != nil {
		return nil, err
	}
	if err := opts.Settings.check(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); err == nil {
		return nil, ErrExists
	}
	rcpt, err := crypto.ParseRecipient(opts.OwnerRecipient, nil)
	if err != nil {
		return nil, &InputError{Field: "recipient", Reason: err.Error()}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create vault folder: %w", err)
	}
	lock, err := acquireLock(path, true, opts.LockWait)
	if err != nil {
		return nil, err
	}
	// Build the file under a temporary name and rename it into place, so a
	// failed or interrupted init never leaves a half-made vault.
	tv, err := newTempVault(path, "init")
	if err != nil {
		lock.release()
		return nil, fmt.Errorf("create vault: %w", err)
	}
	defer tv.remove()
	tmp := tv.path
	db, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: opts.LockWait})
	if err != nil {
		lock.release()
		return nil, fmt.Errorf("create vault: %w", err)
	}
	v := &Vault{db: db, path: tmp, lock: lock, opts: opts.Options, ids: idMinter{rand: opts.Rand}}
	v.keys = newKeyring(v)
	// fail leaves nothing behind (the deferred remove takes the folder):
	// the error that stopped init is the one to report, and the next init
	// removes a half-made file left anyway.
	fail := func(err error) (*Vault, error) {
		_ = db.Close()
		lock.release()
		return nil, err
	}
	label := opts.OwnerLabel
	if label == "" {
		label = "owner"
	}
	var seal *txSeal
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		m := tx.Bucket(bMeta)
		vid := make([]byte, 16)
		if _, err := io.ReadFull(opts.Rand, vid); err != nil {
			return err
		}
		settings, _ := json.Marshal(opts.Settings)
		for k, val := range map[string][]byte{
			string(mFormat): []byte(FormatVersion), string(mVaultID): vid,
			string(mCreated): []byte(v.now().Format(time.RFC3339)), string(mSettings): settings,
		} {
			if err := m.Put([]byte(k), val); err != nil {
				return err
			}
		}
		if opts.PassphraseIdentity != nil {
			if err := m.Put(mPassIdentity, opts.PassphraseIdentity); err != nil {
				return err
			}
		}
		v.vaultID = vid
		if _, err := tx.CreateBucket(bPolicy); err != nil {
			return err
		}
		info := recipientInfo{Recipient: opts.OwnerRecipient, Role: RoleOwner, Label: label, Added: v.now()}
		if err := v.newSigningKey(tx, crypto.RecipientID(opts.OwnerRecipient), &info, opts.OwnerIdentity); err != nil {
			return err
		}
		if err := v.newPurgeKey(tx); err != nil {
			return err
		}
		if err := putJSON(tx.Bucket(bRecipients), []byte(crypto.RecipientID(opts.OwnerRecipient)), info); err != nil {
			return err
		}
		for _, g := range append(slices.Clone(AllGroups), GroupState) {
			key, err := crypto.NewKey(opts.Rand)
			if err != nil {
				return err
			}
			if err := v.keys.storeNewVersion(tx, g, 1, key, map[string]age.Recipient{crypto.RecipientID(opts.OwnerRecipient): rcpt}); err != nil {
				return err
			}
			v.keys.remember(g, 1, key)
		}
		v.keys.actor = &actorInfo{ID: crypto.RecipientID(opts.OwnerRecipient), Label: label, Role: RoleOwner}
		// The first head already sums the (empty) tagged buckets.
		tg, err := newTagger(v.keys.keys[GroupState][1], 1)
		if err != nil {
			return err
		}
		v.tags = &txTags{started: true, tagger: tg, version: 1}
		defer func() { v.tags = nil }()
		if err := v.appendAudit(tx, AuditEntry{Action: "init"}); err != nil {
			return err
		}
		seal, err = v.sealTx(tx)
		return err
	})
	if err != nil {
		return fail(err)
	}
	if err := db.Close(); err != nil {
		return fail(err)
	}
	if err := atomicfile.Replace(tmp, path); err != nil {
		return fail(err)
	}
	keys := v.keys
	v2, err := openLocked(path, opts.Options, lock)
	if err != nil {
		lock.release()
		return nil, err
	}
	keys.v = v2
	v2.keys = keys
	if err := v2.pinAfterCreate(seal); err != nil {
		_ = v2.Close() // the pinning error is the one to report
		return nil, err
	}
	return v2, nil
}

func (v *Vault) update(fn func(tx *bolt.Tx) error) error {
	if v.opts.ReadOnly {
		return ErrReadOnly
	}
	if v.needUpgrade {
		return &TrustError{What: "this vault is format 2 and not yet authenticated; it can only be read until an owner upgrades it", Reason: TrustNotUpgraded}
	}
	var seal *txSeal
	err := v.db.Update(func(tx *bolt.Tx) error {
		if err := v.prefetchSigner(tx); err != nil {
			return err
		}
		v.beginTags()
		// Keys in these buckets only grow (time-ordered ids, sequence
		// numbers): full pages on split keep the file compact.
		for _, b := range [][]byte{bRecords, bFields, bRecAliases, bShipments, bAudit, bTombstones} {
			tx.Bucket(b).FillPercent = 0.95
		}
		if v.held == nil && v.mayTag() {
			// An import that was interrupted left customers unindexed:
			// finish them before anything looks them up. Their alias
			// entries are tagged, so a keyless session leaves them.
			if err := v.indexTail(tx); err != nil {
				return err
			}
		}
		if err := fn(tx); err != nil {
			return err
		}
		if v.held == nil && v.keys.actor != nil {
			// A session that unlocked only now (a passphrase).
			if err := v.indexTail(tx); err != nil {
				return err
			}
		}
		if err := v.refuseKeylessWrite(); err != nil {
			return err
		}
		m := tx.Bucket(bMeta)
		// A format-1 vault is read as it is (its JSON values still decode)
		// and marked format 2 at its first write, after which values
		// written in the binary encoding are never handed to a reader that
		// cannot decode them.
		if bytes.Equal(m.Get(mFormat), []byte(formatReadable)) {
			// Index versions from format 1 hold 16-byte tokens until a
			// rotation replaces them; exact-key lookups must know.
			var legacy []byte
			for _, ver := range keyVersions(tx, GroupIndex) {
				legacy = binary.BigEndian.AppendUint32(legacy, ver)
			}
			if err := m.Put(mLegacyIndex, legacy); err != nil {
				return err
			}
			if err := m.Put(mFormat, []byte(format2)); err != nil {
				return err
			}
		}
		// Only when it moved: the head binds it (checkBoundMeta), and a
		// keyless session, which signs no head, mints no id.
		if v.ids.last != beUint64(m.Get(mLastID)) {
			if err := m.Put(mLastID, beBytes(v.ids.last)); err != nil {
				return err
			}
		}
		if v.policy == nil {
			return nil
		}
		var err error
		seal, err = v.sealTx(tx)
		return err
	})
	// A failed transaction leaves the pool's workers waiting.
	v.tags.drainTags(false)
	v.tags = nil
	if err != nil {
		return classifyBoltErr(err)
	}
	if err := v.committed(seal); err != nil {
		// The transaction is on disk: saying "nothing was changed" here
		// would be false.
		return &StateFileError{Err: err}
	}
	return nil
}

// mayTag tells whether the session can tag what it writes: it knows who
// it is, or has identity files that say so without asking anything.
func (v *Vault) mayTag() bool {
	return v.keys.actor != nil || (len(v.opts.Identities) > 0 && v.opts.Passphrase == nil)
}

func (v *Vault) view(fn func(tx *bolt.Tx) error) error {
	return classifyBoltErr(v.db.View(fn))
}

// classifyBoltErr turns a disk failure into a clear error (the transaction
// was rolled back, so the vault is unchanged).
func classifyBoltErr(err error) error {
	if err == nil {
		return nil
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("write vault (nothing was changed): %w", err)
	}
	return err
}

func putJSON(b *bolt.Bucket, key []byte, val any) error {
	data, err := json.Marshal(val)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

func getJSON(b *bolt.Bucket, key []byte, val any) (bool, error) {
	data := b.Get(key)
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, val); err != nil {
		return true, &IntegrityError{What: fmt.Sprintf("stored entry %x does not decode", key)}
	}
	return true, nil
}

// beUint64 reads a big-endian counter; a missing or short value reads as 0
// (callers treat that as "none yet" or report it).
func beUint64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func beBytes(x uint64) []byte { return binary.BigEndian.AppendUint64(nil, x) }

// Settings returns the vault-wide settings.
func (v *Vault) Settings() (Settings, error) {
	var s Settings
	err := v.view(func(tx *bolt.Tx) error {
		_, err := getJSON(tx.Bucket(bMeta), mSettings, &s)
		return err
	})
	return s, err
}

// SetSettings replaces the vault-wide settings (owner only).
func (v *Vault) SetSettings(s Settings) error {
	if err := s.check(); err != nil {
		return err
	}
	return v.update(func(tx *bolt.Tx) error {
		if err := v.requireRole(tx, RoleOwner); err != nil {
			return err
		}
		if err := putJSON(tx.Bucket(bMeta), mSettings, s); err != nil {
			return err
		}
		return v.appendAudit(tx, AuditEntry{Action: "settings"})
	})
}

package vault

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/vault/atomicfile"
)

// witness is the newest state head one machine saw of one vault, kept
// beside its trust file, outside the vault (docs/format.md, "Rollback witness"), as
// Certificate Transparency clients keep the last tree head they saw. A
// file whose head is older than that, or differs from it at the same write
// counter, was replaced as a whole by an older copy or a fork of one.
type witness struct {
	Counter uint64    `json:"counter"`
	Head    string    `json:"head"` // hex SHA-256 of the stored meta/head value
	Seen    time.Time `json:"seen"`
}

// decodeWitness reads a witness; nil when this machine has seen no head
// of the vault yet.
func decodeWitness(raw json.RawMessage) (*witness, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var w witness
	if err := json.Unmarshal(raw, &w); err != nil || w.Head == "" {
		return nil, &IntegrityError{What: "this machine's trust file for the vault has a rollback witness that does not decode"}
	}
	return &w, nil
}

func (w *witness) encode() json.RawMessage {
	data, _ := json.Marshal(w)
	return data
}

// check compares the head found in the file with the one this machine saw.
func (w *witness) check(counter uint64, head string) error {
	if w == nil {
		return nil
	}
	switch {
	case counter < w.Counter:
		return &RollbackError{Seen: w.Counter, Found: counter, SeenAt: w.Seen}
	case counter == w.Counter && head != w.Head:
		return &RollbackError{Seen: w.Counter, Found: counter, SeenAt: w.Seen, Fork: true}
	}
	return nil
}

// advance moves the witness to a newer head; it reports whether anything
// changed (so an unchanged trust file is not rewritten). Restore, which
// goes back deliberately, uses reset instead.
func (w *witness) advance(counter uint64, head string, now time.Time) (*witness, bool) {
	if w != nil && (counter < w.Counter || (counter == w.Counter && head == w.Head)) {
		return w, false
	}
	return &witness{Counter: counter, Head: head, Seen: now.UTC()}, true
}

// RollbackError means the vault file is older than the state this machine
// saw: someone replaced it with an older copy (or a copy of an older copy
// that was written to since).
type RollbackError struct {
	Seen, Found uint64
	SeenAt      time.Time
	Fork        bool
}

func (e *RollbackError) Error() string {
	if e.Fork {
		return fmt.Sprintf("the vault file's state at write %d differs from the one this machine saw at that write on %s: the file was replaced by another copy", e.Found, e.SeenAt.Format(time.DateOnly))
	}
	return fmt.Sprintf("the vault file is at write %d, older than write %d this machine saw on %s: someone replaced it with an older copy", e.Found, e.Seen, e.SeenAt.Format(time.DateOnly))
}

// Unwrap makes errors.Is(err, ErrIntegrity) hold.
func (e *RollbackError) Unwrap() error { return ErrIntegrity }

// headPoint is the vault's signed head as the witness remembers it: its
// write counter and the SHA-256 of its stored bytes. ok is false for a
// vault with no head yet.
func (v *Vault) headPoint() (counter uint64, hash string, ok bool, err error) {
	if v.head == nil {
		return 0, "", false, nil
	}
	err = v.view(func(tx *bolt.Tx) error {
		sum := sha256.Sum256(tx.Bucket(bMeta).Get(mHead))
		hash = hex.EncodeToString(sum[:])
		return nil
	})
	return v.head.Counter, hash, err == nil, err
}

// witnessPath is this machine's witness file for the vault, beside its
// trust file; "" without a state directory.
func (v *Vault) witnessPath() string {
	p := v.trustPath(v.vaultID)
	if p == "" {
		return ""
	}
	return strings.TrimSuffix(p, ".json") + ".witness"
}

// loadWitness reads the witness file; nil when this machine saw no head
// of the vault yet (or a crash left the file empty).
func (v *Vault) loadWitness() (*witness, error) {
	p := v.witnessPath()
	if p == "" {
		return nil, nil
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) || (err == nil && len(data) == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read rollback witness: %w", err)
	}
	return decodeWitness(data)
}

// saveWitness replaces the witness file by rename, without fsync: every
// write command saves it, and an fsync would cost more than the command
// (about 13 ms here). A crash can only lose the newest update, leaving the
// witness older, which weakens the check but never makes it refuse a good
// file.
func (v *Vault) saveWitness(w *witness) error {
	p := v.witnessPath()
	if p == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("write rollback witness: %w", err)
	}
	if err := atomicfile.WriteFileUnsynced(p, w.encode(), 0o600); err != nil {
		return fmt.Errorf("write rollback witness: %w", err)
	}
	return nil
}

// witnessOnOpen refuses a vault older than the one this machine saw (a
// whole-file rollback, or a fork of an older copy) and moves the witness
// to a newer head.
func (v *Vault) witnessOnOpen() error {
	counter, hash, ok, err := v.headPoint()
	if err != nil || !ok {
		return err
	}
	w, err := v.loadWitness()
	if err != nil {
		return err
	}
	if w != nil {
		v.witnessed = w.Counter
	}
	if err := w.check(counter, hash); err != nil {
		if v.opts.Restoring {
			return nil
		}
		return err
	}
	if w, changed := w.advance(counter, hash, v.now()); changed {
		return v.saveWitness(w)
	}
	return nil
}

// witnessAfterWrite moves this machine's witness to the head the session
// just signed. Copies of the vault (a backup being restored) have no trust
// file of their own and leave the witness alone.
func (v *Vault) witnessAfterWrite() error {
	if v.trust == nil {
		return nil
	}
	return v.witnessOnOpen()
}

// continueCounter makes the next head of a restored copy continue from the
// vault's write counter, so the restored file is newer than any state of
// the vault a machine saw, and their witnesses accept it.
func (v *Vault) continueCounter(from *Vault) {
	floor := from.witnessed
	if from.head != nil {
		floor = max(floor, from.head.Counter)
	}
	v.continueFrom(floor)
}

func (v *Vault) continueFrom(floor uint64) {
	switch {
	case v.head == nil && floor > 0:
		// a copy of a vault from before format 3 has no head yet: its
		// first one (signed by the upgrade) continues from floor
		v.head = &headBody{Counter: floor}
	case v.head != nil && floor > v.head.Counter:
		h := *v.head
		h.Counter = floor
		v.head = &h
	}
}

// recordRestore logs, as the owner, that this copy of a backup is being
// restored where no vault was (RestoreFresh), upgrading a backup made
// before format 3, and continues the write counter from floor (the newest
// state this machine saw), so the restored file is not taken for a
// rollback.
func (v *Vault) recordRestore(floor uint64) error {
	v.continueFrom(floor)
	err := v.update(func(tx *bolt.Tx) error {
		if err := v.requireActor(tx, "restore backups", RestoreRoles...); err != nil {
			return err
		}
		return v.appendAudit(tx, AuditEntry{Action: "restore", Count: countKeys(tx.Bucket(bRecords)), Detail: "restored onto a new file"})
	})
	if err != nil {
		return err
	}
	return v.upgradeCopy()
}

// upgradeCopy upgrades a restored copy made before format 3, its write
// counter continuing as continueFrom set it.
func (v *Vault) upgradeCopy() error {
	f, err := v.format()
	if err != nil || f == FormatVersion {
		return err
	}
	return v.upgrade()
}

// refuseDowngrade stops a format-3 vault from being read as an older,
// unauthenticated format: a file that says it is older but holds a signed
// policy or head had its format entry changed, and one this machine has
// already seen as format 3 was replaced by an older copy.
func (v *Vault) refuseDowngrade(format string) error {
	signed := false
	if err := v.view(func(tx *bolt.Tx) error {
		pb := tx.Bucket(bPolicy)
		signed = (pb != nil && func() bool { k, _ := pb.Cursor().First(); return k != nil }()) || tx.Bucket(bMeta).Get(mHead) != nil
		return nil
	}); err != nil {
		return err
	}
	if signed {
		return &IntegrityError{What: fmt.Sprintf("the vault file says it is format %q but holds a signed policy or head: its format entry was changed", format)}
	}
	t, err := v.loadTrust(v.vaultID)
	if err != nil {
		return err
	}
	w, err := v.loadWitness()
	if err != nil {
		return err
	}
	if t.Policy != nil || w != nil {
		return &IntegrityError{What: fmt.Sprintf("this machine has seen this vault as format %s, and the file says format %q: it was replaced by an older copy (restore a backup with shopvault restore)", FormatVersion, format)}
	}
	return nil
}

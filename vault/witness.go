package vault

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strconv"
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

// The witness file has two slots of witnessSlotSize bytes, each one line
// of text that checks itself:
//
//	shopvault-witness-2 COUNTER HEAD SEEN CRC32
//
// padded with spaces. A write overwrites, in place, the slot that does not
// hold the newest head, so a write a crash tears or loses leaves the head
// before it readable: the witness is then older, weaker but never wrong,
// as with the temp file and rename this replaces at a tenth of the cost
// (issue 16: every write command saves it).
const (
	witnessSlotSize = 160
	witnessMagic    = "shopvault-witness-2"
)

// decodeWitness reads a witness file, in slots or (written before issue
// 16) one JSON object; nil when this machine has seen no head of the vault
// yet. slot is the slot the newest head is in, -1 for the JSON form.
func decodeWitness(raw []byte) (w *witness, slot int, err error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, -1, nil
	}
	bad := &IntegrityError{What: "this machine's trust file for the vault has a rollback witness that does not decode"}
	if raw[0] == '{' {
		var legacy witness
		if err := json.Unmarshal(raw, &legacy); err != nil || legacy.Head == "" {
			return nil, -1, bad
		}
		return &legacy, -1, nil
	}
	if len(raw) != 2*witnessSlotSize {
		return nil, -1, bad
	}
	slot = -1
	for i := range 2 {
		s, ok := decodeWitnessSlot(raw[i*witnessSlotSize : (i+1)*witnessSlotSize])
		if ok && (w == nil || s.Counter > w.Counter) {
			w, slot = s, i
		}
	}
	if w == nil {
		return nil, -1, bad
	}
	return w, slot, nil
}

// decodeWitnessSlot reads one slot; false for an empty, torn or foreign one.
func decodeWitnessSlot(b []byte) (*witness, bool) {
	if b[len(b)-1] != '\n' {
		return nil, false
	}
	line := strings.TrimRight(string(b), " \n")
	i := strings.LastIndexByte(line, ' ')
	if i < 0 || line[i+1:] != fmt.Sprintf("%08x", crc32.ChecksumIEEE([]byte(line[:i]))) {
		return nil, false
	}
	f := strings.Split(line[:i], " ")
	if len(f) != 4 || f[0] != witnessMagic || f[2] == "" {
		return nil, false
	}
	counter, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return nil, false
	}
	seen, err := time.Parse(time.RFC3339Nano, f[3])
	if err != nil {
		return nil, false
	}
	return &witness{Counter: counter, Head: f[2], Seen: seen}, true
}

// encodeSlot is w as one slot of the witness file.
func (w *witness) encodeSlot() ([]byte, error) {
	line := fmt.Sprintf("%s %d %s %s", witnessMagic, w.Counter, w.Head, w.Seen.UTC().Format(time.RFC3339Nano))
	line += fmt.Sprintf(" %08x", crc32.ChecksumIEEE([]byte(line)))
	if len(line) >= witnessSlotSize || w.Head == "" || strings.ContainsAny(w.Head, " \n") {
		return nil, fmt.Errorf("rollback witness: head %q does not fit a slot", w.Head)
	}
	return append([]byte(line), []byte(strings.Repeat(" ", witnessSlotSize-1-len(line))+"\n")...), nil
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
func (v *Vault) witnessPath() string { return v.besideTrust(".witness2") }

// legacyWitnessPath is where shopvault kept the witness, as JSON, before
// issue 16. It is read while there is no witness in slots, and left as it
// is for an older shopvault, which could not read the slots.
func (v *Vault) legacyWitnessPath() string { return v.besideTrust(".witness") }

func (v *Vault) besideTrust(ext string) string {
	p := v.trustPath(v.vaultID)
	if p == "" {
		return ""
	}
	return strings.TrimSuffix(p, ".json") + ext
}

// loadWitness reads the witness file; nil when this machine saw no head
// of the vault yet (or a crash left the file empty).
func (v *Vault) loadWitness() (*witness, error) {
	w, _, err := v.readWitness()
	return w, err
}

// readWitness also says which slot of the file holds the newest head (-1
// when there is no file in slots: none, or only the JSON one).
func (v *Vault) readWitness() (*witness, int, error) {
	p := v.witnessPath()
	if p == "" {
		return nil, -1, nil
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		data, err = os.ReadFile(v.legacyWitnessPath())
		if errors.Is(err, os.ErrNotExist) {
			return nil, -1, nil
		}
		if err == nil {
			w, _, err := decodeWitness(data)
			return w, -1, err
		}
	}
	if err != nil {
		return nil, -1, fmt.Errorf("read rollback witness: %w", err)
	}
	return decodeWitness(data)
}

// saveWitness writes w into the slot of the witness file that does not
// hold the newest head (newest is the slot that does, -1 when the file is
// not in slots), in place and without fsync: every write command saves
// it, and a crash can only lose or tear this update (see witnessSlotSize).
// A file not in slots yet (or changed since it was read) is written whole,
// by temp file and rename (atomicfile.WriteFileUnsynced).
func (v *Vault) saveWitness(w *witness, newest int) error {
	p := v.witnessPath()
	if p == "" {
		return nil
	}
	slot, err := w.encodeSlot()
	if err != nil {
		return err
	}
	if newest >= 0 && writeWitnessSlot(p, 1-newest, slot) == nil {
		return nil
	}
	empty := append([]byte(strings.Repeat(" ", witnessSlotSize-1)), '\n')
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("write rollback witness: %w", err)
	}
	if err := atomicfile.WriteFileUnsynced(p, append(slot, empty...), 0o600); err != nil {
		return fmt.Errorf("write rollback witness: %w", err)
	}
	return nil
}

// writeWitnessSlot overwrites one slot of a witness file in slots: a
// regular file of the right size, never through a link (as atomicfile).
func writeWitnessSlot(path string, slot int, data []byte) error {
	before, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if !before.Mode().IsRegular() || before.Size() != 2*witnessSlotSize {
		return errors.New("not a witness file in slots")
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err == nil && !os.SameFile(before, st) {
		err = errors.New("the witness file was replaced while it was opened")
	}
	if err == nil {
		_, err = f.WriteAt(data, int64(slot*witnessSlotSize))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// witnessOnOpen refuses a vault older than the one this machine saw (a
// whole-file rollback, or a fork of an older copy) and moves the witness
// to a newer head.
func (v *Vault) witnessOnOpen() error {
	counter, hash, ok, err := v.headPoint()
	if err != nil || !ok {
		return err
	}
	w, slot, err := v.readWitness()
	if err != nil {
		return err
	}
	if w != nil {
		v.witnessed = w.Counter
	}
	if err := w.check(counter, hash); err != nil {
		if v.opts.Restoring {
			v.putBack = true
			return nil
		}
		return err
	}
	if next, changed := w.advance(counter, hash, v.now()); changed {
		return v.saveWitness(next, slot)
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
	if err := v.upgradeSums(); err != nil {
		return err
	}
	err := v.update(func(tx *bolt.Tx) error {
		if err := v.requireActor(tx, "restore backups", RestoreRoles...); err != nil {
			return err
		}
		v.markRestore = true
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
	if err != nil {
		return err
	}
	if signedFormat(f) {
		return v.upgradeSums()
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
		return &IntegrityError{What: fmt.Sprintf("this machine has seen this vault as format %s, and the file says format %q: it was replaced by an older copy", FormatVersion, format)}
	}
	return nil
}

package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault/atomicfile"
)

// RestoreSummary says what a backup holds and what restoring it would lose,
// shown before anything is replaced.
type RestoreSummary struct {
	// StateAsOf is the time of the backup's newest access-log entry: the
	// last change the backup knows of.
	StateAsOf        time.Time `json:"state_as_of"`
	Customers        int       `json:"customers"`
	CurrentCustomers int       `json:"current_customers"`
	// AddedSince are customers in the vault that the backup does not hold:
	// restoring loses them.
	AddedSince int `json:"customers_added_since"`
	// ErasuresToReapply are customers erased since the backup: they stay erased.
	ErasuresToReapply int `json:"erasures_to_reapply"`
	// LogEntriesSince are access-log entries written since the backup: kept.
	LogEntriesSince int `json:"log_entries_since"`
	// KeptRemoved are people the backup lists who were removed since:
	// they stay removed and the keys they held are rotated.
	KeptRemoved []string `json:"kept_removed"`
	// ReplacedOwners are owners the backup lists under an identity they
	// replaced since (rotate --identity-out): the old identity stays out.
	ReplacedOwners []string `json:"replaced_owners"`
	// KeptOwners are owners added since the backup (or under a new
	// identity): the restored vault keeps them, so it opens as it does now.
	KeptOwners []string `json:"kept_owners"`
	// LostRecipients are helpers added since the backup: the restored
	// vault does not know them; add them again with recipients add.
	LostRecipients []string `json:"lost_recipients"`
	// KeptSettings and KeptPurgeKey say that the vault's present settings
	// and purge key differ from the backup's and are kept.
	KeptSettings bool `json:"kept_settings,omitempty"`
	KeptPurgeKey bool `json:"kept_purge_key,omitempty"`
	// RotateGroups are the key groups rotated again after the restore.
	RotateGroups []Group `json:"rotate_groups"`
}

// RestorePlan is a decrypted, verified backup waiting to replace the vault.
// Discard it when not applied.
type RestorePlan struct {
	Summary RestoreSummary
	// tmp holds the decrypted backup (sealed data only) until it replaces
	// the vault.
	tmp *tempVault
	ids []age.Identity
	// removed are recipient ids the backup lists and the vault no longer does.
	removed map[string]string
	// carried are the vault's owners the backup does not list, kept as
	// they are now.
	carried map[string]recipientInfo
	// actor is the owner restoring, as the vault knows them.
	actor actorInfo
	// keepChain: the backup's signed policy chain is the beginning of the
	// vault's, so the restored file keeps the vault's whole chain and
	// extends it.
	keepChain bool
}

// Discard deletes the decrypted backup.
func (p *RestorePlan) Discard() {
	if p != nil && p.tmp != nil {
		// Sealed data only; the next restore removes a copy left behind.
		p.tmp.remove()
		p.tmp = nil
	}
}

// RestoreResult reports a restore.
type RestoreResult struct {
	Customers  int `json:"customers"`
	Reapplied  int `json:"erasures_reapplied"`
	Tombstones int `json:"tombstones"`
	// LogKept is the length of the restored vault's access log before the
	// restore's own entries; LogSince of them were written after the backup
	// was made (the summary's LogEntriesSince).
	LogKept  int      `json:"log_entries_kept"`
	LogSince int      `json:"log_entries_since"`
	Removed  []string `json:"kept_removed"`
	Rotated  []Group  `json:"rotated"`
}

// Restore is PrepareRestore followed by ApplyRestore, for callers that
// need no confirmation.
func (v *Vault) Restore(src io.Reader) (RestoreResult, error) {
	p, err := v.PrepareRestore(src)
	if err != nil {
		return RestoreResult{}, err
	}
	defer p.Discard()
	return v.ApplyRestore(p)
}

// PrepareRestore decrypts a backup beside the vault, verifies that it is a
// past state of this vault made by its owners, and works out what
// restoring it would keep and lose. Only an owner may restore. Nothing in
// the vault changes.
func (v *Vault) PrepareRestore(src io.Reader) (*RestorePlan, error) {
	var ids []age.Identity
	var owner *actorInfo
	if err := v.view(func(tx *bolt.Tx) error {
		if err := v.requireActor(tx, "restore backups", RestoreRoles...); err != nil {
			return err
		}
		owner = v.keys.actor
		var err error
		ids, err = v.keys.identities(tx)
		return err
	}); err != nil {
		return nil, err
	}
	tmp, err := newTempVault(v.path, "restore")
	if err != nil {
		return nil, err
	}
	p := &RestorePlan{tmp: tmp, ids: ids, removed: map[string]string{}, carried: map[string]recipientInfo{}, actor: *owner}
	if err := decryptBackup(src, ids, p.tmp.path); err != nil {
		p.Discard()
		return nil, err
	}
	tv, err := v.openCopy(p.tmp.path, ids, true)
	if err != nil {
		p.Discard()
		return nil, err
	}
	defer func() { _ = tv.Close() }() // opened read only: closing loses nothing
	err = v.view(func(cur *bolt.Tx) error {
		return tv.view(func(bak *bolt.Tx) error {
			newer, err := backupBelongs(cur, bak, owner)
			if err != nil {
				return err
			}
			p.keepChain = !newer
			return p.summarise(cur, bak)
		})
	})
	if err == nil {
		err = tv.checkAsBackup()
	}
	if err != nil {
		p.Discard()
		return nil, err
	}
	return p, nil
}

// openCopy opens a decrypted backup beside the vault the way the vault
// itself is opened (the caller holds the vault's lock), with the session's
// identities, and verifies its signed policy against this machine's owners.
func (v *Vault) openCopy(path string, ids []age.Identity, readOnly bool) (*Vault, error) {
	opts := v.opts
	opts.Identities = ids
	return openBackupCopy(path, opts, readOnly)
}

func openBackupCopy(path string, opts Options, readOnly bool) (*Vault, error) {
	opts.ReadOnly = readOnly
	opts.Progress = nil
	tv, err := openLocked(path, opts, nil)
	if err != nil {
		var ie *IntegrityError
		if errors.Is(err, ErrFormat) || errors.As(err, &ie) {
			return nil, &InputError{Field: "backup", Reason: "does not contain a shopvault vault this version can restore (" + err.Error() + ")"}
		}
		return nil, err
	}
	tv.keys.ids = opts.Identities
	if err := tv.verifyCopy(); err != nil {
		_ = tv.Close() // refused before any write: the refusal is what to report
		return nil, err
	}
	return tv, nil
}

// verifyBackupCopy checks a decrypted backup as a whole, with the owner's
// keys: a doctored copy fails here before anything changes.
func verifyBackupCopy(path string, opts Options) error {
	tv, err := openBackupCopy(path, opts, true)
	if err != nil {
		return err
	}
	defer func() { _ = tv.Close() }() // opened read only: closing loses nothing
	return tv.checkAsBackup()
}

func (tv *Vault) checkAsBackup() error {
	if _, err := tv.Check(false); err != nil {
		return &IntegrityError{What: "the backup does not pass check (" + err.Error() + "): it is damaged or was changed after it was made"}
	}
	return nil
}

// backupBelongs is the backup's proof: it is a copy of this vault (same
// vault id), its signed policy chain and the vault's own agree version by
// version as far as both go (so the backup's owners are the vault's owners
// as they were, even if an owner has replaced their identity since), and
// its access log and the vault's own (authenticated) log agree entry by
// entry as far as both go, so the backup is a state of this vault's
// history and not a file someone else assembled. Its chain and log are
// prefixes of the vault's, unless the vault file itself was put back to an
// older copy: then the backup is the newer one, and the person restoring
// must be one of its owners too. A backup made before format 3 has no
// chain: the person restoring must be an owner it lists.
func backupBelongs(cur, bak *bolt.Tx, owner *actorInfo) (backupNewer bool, err error) {
	if !bytes.Equal(cur.Bucket(bMeta).Get(mVaultID), bak.Bucket(bMeta).Get(mVaultID)) {
		return false, &InputError{Field: "backup", Reason: "is a backup of another vault"}
	}
	newer, err := policyPrefix(cur.Bucket(bPolicy), bak.Bucket(bPolicy))
	if err != nil {
		return false, err
	}
	if newer {
		var info recipientInfo
		if ok, err := getJSON(bak.Bucket(bRecipients), []byte(owner.ID), &info); err != nil {
			return false, err
		} else if !ok || info.Role != RoleOwner {
			return false, &IntegrityError{What: "the backup does not list " + owner.Label + " as an owner: it was not made from this vault by its owners"}
		}
	}
	cb := cur.Bucket(bAudit)
	return newer, bak.Bucket(bAudit).ForEach(func(k, data []byte) error {
		want := cb.Get(k)
		if want == nil {
			return nil
		}
		if !bytes.Equal(auditHashOf(want), auditHashOf(data)) || auditHashOf(data) == nil {
			return &IntegrityError{What: fmt.Sprintf("the backup's access-log entry %d differs from this vault's: the backup is not a past state of this vault", beUint64(k))}
		}
		return nil
	})
}

// policyPrefix checks that one signed policy chain is the beginning of the
// other, and tells whether the backup's goes further (or the backup has
// none to compare: made before format 3).
func policyPrefix(cur, bak *bolt.Bucket) (backupNewer bool, err error) {
	if cur == nil || bak == nil {
		return true, nil
	}
	cc, bc := cur.Cursor(), bak.Cursor()
	ck, cv := cc.First()
	bk, bv := bc.First()
	for ; ck != nil && bk != nil; ck, cv, bk, bv = nextPair(cc, bc) {
		if !bytes.Equal(ck, bk) || !bytes.Equal(cv, bv) {
			return false, &IntegrityError{What: fmt.Sprintf("the backup's signed policy version %d differs from this vault's: the backup is not a past state of this vault", beUint64(bk))}
		}
	}
	return bk != nil, nil
}

func nextPair(a, b *bolt.Cursor) (ak, av, bk, bv []byte) {
	ak, av = a.Next()
	bk, bv = b.Next()
	return ak, av, bk, bv
}

func auditHashOf(data []byte) []byte {
	var e AuditEntry
	if json.Unmarshal(data, &e) != nil || e.Hash == "" {
		return nil
	}
	if h, err := entryHash(e); err != nil || h != e.Hash {
		return nil
	}
	return []byte(e.Hash)
}

func (p *RestorePlan) summarise(cur, bak *bolt.Tx) error {
	s := &p.Summary
	if _, data := bak.Bucket(bAudit).Cursor().Last(); data != nil {
		var e AuditEntry
		if err := json.Unmarshal(data, &e); err == nil {
			s.StateAsOf = e.Time
		}
	}
	s.Customers = countKeys(bak.Bucket(bRecords))
	s.CurrentCustomers = countKeys(cur.Bucket(bRecords))
	br := bak.Bucket(bRecords)
	rc := cur.Bucket(bRecords).Cursor()
	for k, _ := rc.First(); k != nil; k, _ = rc.Next() {
		if br.Get(k) == nil {
			s.AddedSince++
		}
	}
	tc := cur.Bucket(bTombstones).Cursor()
	for k, _ := tc.First(); k != nil; k, _ = tc.Next() {
		if br.Get(k) != nil {
			s.ErasuresToReapply++
		}
	}
	s.LogEntriesSince = max(0, countKeys(cur.Bucket(bAudit))-countKeys(bak.Bucket(bAudit)))
	cr := cur.Bucket(bRecipients)
	rotate := map[Group]bool{}
	err := bak.Bucket(bRecipients).ForEach(func(k, data []byte) error {
		if cr.Get(k) != nil {
			return nil
		}
		var info recipientInfo
		if err := json.Unmarshal(data, &info); err != nil {
			return &IntegrityError{What: "a recipient entry of the backup does not decode"}
		}
		p.removed[string(k)] = info.Label
		if info.Role == RoleOwner && ownerLabelled(cr, info.Label) {
			s.ReplacedOwners = append(s.ReplacedOwners, info.Label)
		} else {
			s.KeptRemoved = append(s.KeptRemoved, info.Label)
		}
		for _, g := range roleGroups[info.Role] {
			rotate[g] = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	br2 := bak.Bucket(bRecipients)
	err = cr.ForEach(func(k, data []byte) error {
		if br2.Get(k) != nil {
			return nil
		}
		var info recipientInfo
		if err := json.Unmarshal(data, &info); err != nil {
			return &IntegrityError{What: "recipient entry does not decode"}
		}
		// Owners stay: the restored vault must open for the people who
		// own it now, with the identities they use now.
		if info.Role == RoleOwner {
			p.carried[string(k)] = info
			s.KeptOwners = append(s.KeptOwners, info.Label)
			return nil
		}
		s.LostRecipients = append(s.LostRecipients, info.Label)
		return nil
	})
	if err != nil {
		return err
	}
	// A key rotated since the backup was made was rotated for a reason (a
	// lost laptop, a leaked key): the restored data must not go back under
	// the old key.
	for _, g := range AllGroups {
		cv, _ := currentVersion(cur, g)
		bv, _ := currentVersion(bak, g)
		if cv != bv {
			rotate[g] = true
		}
	}
	for _, g := range AllGroups {
		if rotate[g] {
			s.RotateGroups = append(s.RotateGroups, g)
		}
	}
	cm, bm := cur.Bucket(bMeta), bak.Bucket(bMeta)
	s.KeptSettings = !bytes.Equal(cm.Get(mSettings), bm.Get(mSettings))
	s.KeptPurgeKey = !bytes.Equal(cm.Get(mPurgeKey), bm.Get(mPurgeKey))
	sort.Strings(s.KeptRemoved)
	sort.Strings(s.ReplacedOwners)
	sort.Strings(s.KeptOwners)
	sort.Strings(s.LostRecipients)
	// Lists are [] in JSON, never null: scripts index them without a check.
	s.KeptRemoved = nonNil(s.KeptRemoved)
	s.LostRecipients = nonNil(s.LostRecipients)
	s.ReplacedOwners = nonNil(s.ReplacedOwners)
	s.KeptOwners = nonNil(s.KeptOwners)
	s.RotateGroups = nonNil(s.RotateGroups)
	return nil
}

// ownerLabelled tells whether the recipients bucket lists an owner by label.
func ownerLabelled(rb *bolt.Bucket, label string) bool {
	found := false
	_ = rb.ForEach(func(_, data []byte) error {
		var info recipientInfo
		found = found || (json.Unmarshal(data, &info) == nil && info.Role == RoleOwner && info.Label == label)
		return nil
	})
	return found
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// ApplyRestore replaces the vault with a prepared backup, keeping what the
// present knows: every erasure is applied again, people removed since stay
// removed (and the keys they held are rotated), and the access log keeps
// every entry written since the backup; the restore itself is logged with
// the owner's name. All of it happens to the decrypted copy before it
// replaces the vault, so a restore killed at any moment leaves either the
// old vault or the restored one. The old vault is kept as
// PATH.before-restore until the new one is in place.
func (v *Vault) ApplyRestore(p *RestorePlan) (RestoreResult, error) {
	res := RestoreResult{Removed: []string{}, Rotated: []Group{}}
	if p == nil || p.tmp == nil {
		return res, errors.New("restore: no prepared backup")
	}
	var stones map[string]tombstone
	var log []([2][]byte)
	var auditHead []byte
	var present presentState
	var chain *presentChain
	if err := v.view(func(tx *bolt.Tx) error {
		var err error
		if stones, err = v.tombstones(tx); err != nil {
			return err
		}
		present = readPresent(tx, p.carried)
		if p.keepChain {
			if chain, err = v.readPresentChain(tx); err != nil {
				return err
			}
		}
		auditHead = bytes.Clone(tx.Bucket(bMeta).Get(mAuditHead))
		return tx.Bucket(bAudit).ForEach(func(k, data []byte) error {
			log = append(log, [2][]byte{bytes.Clone(k), bytes.Clone(data)})
			return nil
		})
	}); err != nil {
		return res, err
	}
	tv, err := v.openCopy(p.tmp.path, p.ids, false)
	if err != nil {
		return res, err
	}
	tv.ids.last = max(tv.ids.last, v.ids.last)
	tv.continueCounter(v)
	// A format-3 backup: its sums are verified and upgraded before the
	// restore changes tagged entries (tombstones) in it.
	if err := tv.upgradeSums(); err != nil {
		_ = tv.Close() // the copy is discarded; the upgrade's error is the one to report
		return res, fmt.Errorf("preparing the backup (the vault is unchanged): %w", err)
	}
	err = tv.update(func(tx *bolt.Tx) error {
		if _, err := tv.keys.whoAmI(tx); err != nil {
			return err
		}
		if chain != nil {
			if err := tv.keepPresentChain(tx, chain); err != nil {
				return err
			}
		}
		// Kept, the vault's chain continues what every machine saw,
		// unless the vault file was an older copy put back (or the backup
		// is newer than it): then mark it.
		tv.markRestore = !p.keepChain || v.putBack
		// The two logs agree as far as both go (PrepareRestore checked):
		// the longer one is kept, so nothing written since is lost.
		ab := tx.Bucket(bAudit)
		for _, e := range log {
			if ab.Get(e[0]) == nil {
				res.LogSince++
			}
			if err := ab.Put(e[0], e[1]); err != nil {
				return err
			}
		}
		res.LogKept = countKeys(ab)
		if auditHead != nil {
			if err := tx.Bucket(bMeta).Put(mAuditHead, auditHead); err != nil {
				return err
			}
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
			if err := tv.putTaggedJSON(tx, "tombstones", id[:], t); err != nil {
				return err
			}
		}
		if err := tv.unlinkShipments(tx, erased); err != nil {
			return err
		}
		if err := tv.keepPresent(tx, p, &present); err != nil {
			return err
		}
		for rid, label := range p.removed {
			if err := dropRecipient(tx, rid); err != nil {
				return err
			}
			res.Removed = append(res.Removed, label)
		}
		// The owner restoring is the one the vault knows now (their
		// identity may be newer than the backup's).
		if tx.Bucket(bRecipients).Get([]byte(p.actor.ID)) != nil {
			actor := p.actor
			tv.keys.actor = &actor
		}
		sort.Strings(res.Removed)
		res.Customers = countKeys(tx.Bucket(bRecords))
		res.Tombstones = countKeys(tx.Bucket(bTombstones))
		detail := fmt.Sprintf("state of %s; %s re-applied", p.Summary.StateAsOf.Format(time.RFC3339), words.Count(res.Reapplied, "erasure"))
		if len(res.Removed) > 0 {
			detail += "; kept removed: " + strings.Join(res.Removed, ", ")
		}
		return tv.appendAudit(tx, AuditEntry{Action: "restore", Count: res.Customers, Detail: detail})
	})
	if err == nil {
		err = tv.upgradeCopy()
	}
	if err == nil && len(p.Summary.RotateGroups) > 0 {
		var rot RotateResult
		rot, err = tv.Rotate(p.Summary.RotateGroups)
		res.Rotated = nonNil(rot.Groups)
	}
	if cerr := tv.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return res, fmt.Errorf("preparing the backup (the vault is unchanged): %w", err)
	}
	if err := os.Chmod(p.tmp.path, 0o600); err != nil {
		return res, err
	}
	before := v.path + ".before-restore"
	if err := copyExclusive(v.path, before); err != nil {
		return res, err
	}
	if err := v.db.Close(); err != nil {
		return res, err
	}
	v.db = nil
	if err := atomicfile.Replace(p.tmp.path, v.path); err != nil {
		return res, v.reopen(err)
	}
	p.Discard() // the folder, now empty
	if err := v.reopen(nil); err != nil {
		return res, err
	}
	if err := v.retrust(); err != nil {
		return res, err
	}
	// The copy still opens for the people the restore removed: say so
	// if it stays.
	rmErr := os.Remove(before)
	v.keys.wipe()
	v.keys.actor, v.keys.ids = nil, nil
	if err := v.Compact(); err != nil {
		return res, err
	}
	if rmErr != nil {
		return res, fmt.Errorf("the restore is done, but the copy of the vault as it was before it could not be deleted (%w): delete %s", rmErr, before)
	}
	return res, nil
}

// dropRecipient deletes a person from the restored vault: their entry and
// every key wrapped to them (the caller rotates the keys they held).
func dropRecipient(tx *bolt.Tx, rid string) error {
	for _, g := range append(slices.Clone(AllGroups), GroupState) {
		gb := tx.Bucket(bKeys).Bucket([]byte(g))
		if gb == nil {
			continue
		}
		for _, ver := range keyVersions(tx, g) {
			if err := gb.Delete(wrappedKeyName(ver, rid)); err != nil {
				return err
			}
		}
	}
	if err := dropSigningKey(tx, rid); err != nil {
		return err
	}
	return tx.Bucket(bRecipients).Delete([]byte(rid))
}

// ErrInTheWay means restore found something at the path of its
// .before-restore copy; it never writes through a link or over a file.
type ErrInTheWay struct{ Path, What string }

func (e *ErrInTheWay) Error() string {
	return fmt.Sprintf("%s is in the way (%s); restore never writes through a link or over an existing file", e.Path, e.What)
}

// copyExclusive copies src to a new file dst, refusing to follow a link or
// to open anything that already exists there.
func copyExclusive(src, dst string) error {
	if st, err := os.Lstat(dst); err == nil {
		what := "a file left by an interrupted restore: it holds the vault as it was before that restore"
		switch {
		case st.Mode()&os.ModeSymlink != 0:
			what = "a symbolic link"
		case !st.Mode().IsRegular():
			what = "not a regular file"
		case st.Sys().(*syscall.Stat_t).Nlink != 1:
			what = "a file with other hard links"
		case sameContent(src, dst):
			// A restore killed before it replaced the vault leaves an
			// exact copy of the vault: nothing is lost by removing it.
			what = ""
		}
		if what != "" {
			return &ErrInTheWay{Path: dst, What: what}
		}
		if err := os.Remove(dst); err != nil {
			return err
		}
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }() // read only: nothing to lose
	err = atomicfile.CreateNewFrom(dst, 0o600, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
	if errors.Is(err, fs.ErrExist) {
		return &ErrInTheWay{Path: dst, What: "it appeared while restoring"}
	}
	if err != nil {
		return fmt.Errorf("keep a copy of the current vault: %w", err)
	}
	return nil
}

// sameContent tells whether two files hold the same bytes.
func sameContent(a, b string) bool {
	fa, err := os.Open(a)
	if err != nil {
		return false
	}
	defer func() { _ = fa.Close() }() // read only: nothing to lose
	fb, err := os.Open(b)
	if err != nil {
		return false
	}
	defer func() { _ = fb.Close() }() // read only: nothing to lose
	ba, bb := make([]byte, 1<<16), make([]byte, 1<<16)
	for {
		na, ea := io.ReadFull(fa, ba)
		nb, eb := io.ReadFull(fb, bb)
		if na != nb || !bytes.Equal(ba[:na], bb[:nb]) {
			return false
		}
		if ea != nil || eb != nil {
			// equal short reads: both files ended at the same place
			return true
		}
	}
}

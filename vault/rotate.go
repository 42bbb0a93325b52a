package vault

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// rotation is the progress of a key rotation, committed with every batch so
// that a killed rotation resumes where it stopped. Until it finishes, both
// key versions stay in the keyring, so every record reads at any moment.
type rotation struct {
	Groups []Group          `json:"groups"`
	To     map[Group]uint32 `json:"to"`
	Cursor string           `json:"cursor"` // last record id re-sealed, hex
	Total  int              `json:"total"`
	Done   int              `json:"done"`
}

// ErrCrashHook is returned when a test asks a long operation to stop early.
var ErrCrashHook = errors.New("stopped by test hook")

// RotateResult says what a rotation did.
type RotateResult struct {
	Groups   []Group          `json:"groups"`
	Versions map[Group]uint32 `json:"versions"`
	Records  int              `json:"records"`
	Resumed  bool             `json:"resumed"`
}

// Rotate makes new keys for groups, re-seals every affected field, recomputes
// blind indexes for the index group, re-wraps to the current recipients and
// destroys the old versions. Owner only. A rotation already in progress is
// finished first.
func (v *Vault) Rotate(groups []Group) (RotateResult, error) {
	res := RotateResult{Groups: groups}
	if err := v.view(func(tx *bolt.Tx) error { return v.requireRole(tx, RoleOwner) }); err != nil {
		return res, err
	}
	pending, err := v.pendingRotation()
	if err != nil {
		return res, err
	}
	if pending != nil {
		if err := v.runRotation(); err != nil {
			return res, err
		}
		res.Resumed = true
	}
	err = v.update(func(tx *bolt.Tx) error {
		if err := v.need(tx, AllGroups...); err != nil {
			return err
		}
		return v.startRotation(tx, groups, nil)
	})
	if err != nil {
		return res, err
	}
	if err := v.runRotation(); err != nil {
		return res, err
	}
	res.Versions = map[Group]uint32{}
	err = v.view(func(tx *bolt.Tx) error {
		for _, g := range groups {
			ver, err := currentVersion(tx, g)
			if err != nil {
				return err
			}
			res.Versions[g] = ver
		}
		res.Records = countKeys(tx.Bucket(bRecords))
		return nil
	})
	if err != nil {
		return res, err
	}
	return res, v.Compact()
}

func (v *Vault) pendingRotation() (*rotation, error) {
	var r *rotation
	err := v.view(func(tx *bolt.Tx) error {
		data := tx.Bucket(bMeta).Get(mRotation)
		if data == nil {
			return nil
		}
		r = &rotation{}
		if err := json.Unmarshal(data, r); err != nil {
			return &IntegrityError{What: "rotation progress does not decode"}
		}
		return nil
	})
	return r, err
}

// resumeRotation finishes an interrupted rotation when this session is an
// owner; other sessions read through both key versions meanwhile.
func (v *Vault) resumeRotation() error {
	r, err := v.pendingRotation()
	if err != nil || r == nil {
		return err
	}
	owner := false
	// Not knowing who we are only means we do not resume: the rotation
	// stays pending for the owner's next command.
	_ = v.view(func(tx *bolt.Tx) error {
		a, err := v.keys.whoAmI(tx)
		owner = err == nil && a.Role == RoleOwner
		return nil
	})
	if !owner {
		return nil
	}
	return v.runRotation()
}

// currentWrapTargets maps recipient id to recipient for everyone whose role
// includes group, skipping except.
func currentWrapTargets(tx *bolt.Tx, group Group, except string) (map[string]age.Recipient, error) {
	out := map[string]age.Recipient{}
	err := tx.Bucket(bRecipients).ForEach(func(k, data []byte) error {
		if string(k) == except {
			return nil
		}
		var info recipientInfo
		if err := json.Unmarshal(data, &info); err != nil {
			return &IntegrityError{What: "recipient entry does not decode"}
		}
		if !roleHasGroup(info.Role, group) {
			return nil
		}
		r, err := crypto.ParseRecipient(info.Recipient, nil)
		if err != nil {
			return fmt.Errorf("recipient %s: %w", info.Label, err)
		}
		out[string(k)] = r
		return nil
	})
	return out, err
}

func (v *Vault) startRotation(tx *bolt.Tx, groups []Group, _ []string) error {
	if tx.Bucket(bKeys).Bucket([]byte(GroupState)) != nil && !slices.Contains(groups, GroupState) {
		// Every rotation rotates the state key too (it costs one re-sum
		// of the tagged entries): whoever it was rotated away from, a
		// removed person among them, must not be able to tag entries.
		groups = append(slices.Clone(groups), GroupState)
	}
	r := rotation{Groups: groups, To: map[Group]uint32{}, Total: countKeys(tx.Bucket(bRecords))}
	for _, g := range groups {
		vers := keyVersions(tx, g)
		sort.Slice(vers, func(i, j int) bool { return vers[i] < vers[j] })
		next := vers[len(vers)-1] + 1
		key, err := crypto.NewKey(v.opts.Rand)
		if err != nil {
			return err
		}
		to, err := currentWrapTargets(tx, g, "")
		if err != nil {
			return err
		}
		if err := v.keys.storeNewVersion(tx, g, next, key, to); err != nil {
			return err
		}
		v.keys.remember(g, next, key)
		r.To[g] = next
	}
	if err := putJSON(tx.Bucket(bMeta), mRotation, r); err != nil {
		return err
	}
	return v.appendAudit(tx, AuditEntry{Action: "rotate start", Detail: fmt.Sprint(groups)})
}

// runRotation re-seals records in batches, one transaction each, saving the
// cursor with every batch.
func (v *Vault) runRotation() error {
	batches := 0
	for {
		finished, total := false, 0
		err := v.updateBatch(func(tx *bolt.Tx) error {
			var r rotation
			if _, err := getJSON(tx.Bucket(bMeta), mRotation, &r); err != nil {
				return err
			}
			c := tx.Bucket(bRecords).Cursor()
			var k, data []byte
			if r.Cursor == "" {
				k, data = c.First()
			} else {
				cur, _ := hex.DecodeString(r.Cursor)
				k, data = c.Seek(cur)
				if k != nil && bytes.Equal(k, cur) {
					k, data = c.Next()
				}
			}
			fields := tx.Bucket(bFields)
			items := make([]rotateItem, 0, v.opts.BatchSize)
			for ; k != nil && len(items) < v.opts.BatchSize; k, data = c.Next() {
				it := rotateItem{key: k, old: data}
				if len(data) > 0 && (data[0] == '{' || data[0] == metaEncodingApart) {
					it.apart, it.apartSealed = true, fields.Get(k)
				}
				items = append(items, it)
			}
			n := len(items)
			if n > 0 {
				tags, err := v.tracking(tx)
				if err != nil {
					return err
				}
				keys, err := v.rotateKeysFor(tx, &r, tags)
				if err != nil {
					return err
				}
				if err := keys.rotateItems(items); err != nil {
					return err
				}
				var last recordID
				copy(last[:], items[n-1].key)
				r.Cursor = last.String()
				if err := v.writeRotated(tx, items); err != nil {
					return err
				}
			}
			r.Done += n
			finished, total = k == nil, r.Total
			return putJSON(tx.Bucket(bMeta), mRotation, r)
		})
		if err != nil {
			return err
		}
		if finished {
			if err := v.completeRotation(); err != nil {
				return err
			}
			if v.opts.Progress != nil {
				v.opts.Progress(total, total) // the bar ends at 100%
			}
			return nil
		}
		batches++
		if v.opts.Progress != nil {
			v.progressRotation()
		}
		if v.opts.crashAfterBatches > 0 && batches >= v.opts.crashAfterBatches {
			return ErrCrashHook
		}
		select {
		case <-v.opts.Stop:
			r, err := v.pendingRotation()
			if err != nil || r == nil {
				return ErrInterrupted
			}
			return &InterruptedError{Done: r.Done, Total: r.Total}
		default:
		}
	}
}

func (v *Vault) progressRotation() {
	r, err := v.pendingRotation()
	if err == nil && r != nil {
		v.opts.Progress(r.Done, r.Total)
	}
}

// completeRotation runs once every record is re-sealed: it writes the new
// index version's entries, then drops the old versions.
func (v *Vault) completeRotation() error {
	r, err := v.pendingRotation()
	if err != nil || r == nil {
		return err
	}
	if slices.Contains(r.Groups, GroupIndex) {
		if err := v.writeRotatedIndex(r.To[GroupIndex]); err != nil {
			return err
		}
	}
	return v.update(func(tx *bolt.Tx) error {
		var r rotation
		if _, err := getJSON(tx.Bucket(bMeta), mRotation, &r); err != nil {
			return err
		}
		return v.finishRotation(tx, &r)
	})
}

// finishRotation destroys every old key version of the rotated groups (no
// ciphertext uses them any more) and their index buckets.
func (v *Vault) finishRotation(tx *bolt.Tx, r *rotation) error {
	for _, g := range r.Groups {
		gb := tx.Bucket(bKeys).Bucket([]byte(g))
		for _, ver := range keyVersions(tx, g) {
			if ver == r.To[g] {
				continue
			}
			if err := dropKeyVersion(gb, ver); err != nil {
				return err
			}
			if key, ok := v.keys.keys[g][ver]; ok {
				clear(key)
				delete(v.keys.keys[g], ver)
			}
			if g == GroupIndex {
				if ib := tx.Bucket(bIndex); ib.Bucket(versionBucketName(ver)) != nil {
					if err := ib.DeleteBucket(versionBucketName(ver)); err != nil {
						return err
					}
				}
			}
		}
	}
	for name := range v.keys.sealers {
		delete(v.keys.sealers, name)
	}
	for ver := range v.keys.indexers {
		delete(v.keys.indexers, ver)
	}
	if err := tx.Bucket(bMeta).Delete(mRotation); err != nil {
		return err
	}
	return v.appendAudit(tx, AuditEntry{Action: "rotate", Count: r.Done, Detail: fmt.Sprint(r.Groups)})
}

package vault

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// checkSumsFormat refuses, at open, a state head or data head whose entry
// sums are not of the width the vault's format keeps (16 bytes in format 3,
// 512 from format 4 on), or that names another format than the file's
// (heads from format 5 on name it; a format-5 vault's heads must). Each
// head is signed, but the format entry is not: this is what stops a
// format-4 vault from being marked format 3 so that its next upgrade would
// verify (and re-sign) 128-bit sums an insider could balance, a format-3
// head from being read as format 4's, and a format-5 vault from being
// marked format 4 so that keyless purge would not recount its records.
func checkSumsFormat(tx *bolt.Tx, h *headBody) error {
	legacy := legacySums(tx)
	format := string(tx.Bucket(bMeta).Get(mFormat))
	heads := []*headBody{h}
	m := tx.Bucket(bMeta)
	if dh := m.Get(mDataHead); dh != nil && !bytes.Equal(dh, m.Get(mHead)) {
		if _, d, err := decodeHead(dh); err == nil {
			heads = append(heads, d)
		}
	}
	for _, x := range heads {
		if (x.Format != "" || format == FormatVersion) && x.Format != format {
			return &IntegrityError{What: fmt.Sprintf("the vault's format entry (meta/format) says %q and a signed head says %q: it was changed from outside", format, x.Format)}
		}
		if x.Buckets == nil {
			continue
		}
		for _, s := range x.Buckets.Buckets {
			if s.legacy != legacy {
				return &IntegrityError{What: fmt.Sprintf("the entry sums of a signed head are not those of the vault's format %q: its format entry (meta/format) or a head was changed from outside", string(m.Get(mFormat)))}
			}
		}
	}
	return nil
}

// upgradeSums turns a format-3 or format-4 vault into format 5 at an
// owner's writable open: in one transaction it verifies the head's sums (a
// format-3 vault's 128-bit ones, a format-4 vault's keyed records) by a
// full scan as check does (so that a change made before the upgrade is
// still caught, exit 7, nothing written), marks the vault format 5, sums
// every tagged bucket anew (4096-bit tags; records with the public
// element) under the same state key version, and logs an upgrade entry.
// Others keep reading the older format as it is; in format 3 their
// changes to tagged entries wait for the owner (errFormat3Sums), in
// format 4 they keep its sums.
func (v *Vault) upgradeSums() error {
	if v.policy == nil || v.opts.ReadOnly || (len(v.opts.Identities) == 0 && v.opts.Passphrase == nil) {
		return nil
	}
	format, err := v.format()
	if err != nil || (format != format3 && format != format4) {
		return err
	}
	owner, err := v.sessionIsOwner()
	if err != nil || !owner {
		return err
	}
	var seal *txSeal
	err = v.db.Update(func(tx *bolt.Tx) error {
		h := v.head
		pending, err := v.checkTagSums(tx, h)
		if err != nil {
			var ie *IntegrityError
			if errors.As(err, &ie) {
				return &IntegrityError{What: ie.What + " (found while upgrading the vault to format " + FormatVersion + "; nothing was changed)"}
			}
			return err
		}
		if err := tx.Bucket(bMeta).Put(mFormat, []byte(FormatVersion)); err != nil {
			return err
		}
		v.tags = nil
		if tx.Bucket(bKeys).Bucket([]byte(GroupState)) != nil {
			ver, err := currentVersion(tx, GroupState)
			if err != nil {
				return err
			}
			if h.Buckets != nil && slices.Contains(keyVersions(tx, GroupState), h.Buckets.State) {
				// A rotation in progress keeps the head's version until
				// it ends (startTags).
				ver = h.Buckets.State
			}
			key, err := v.keys.key(tx, GroupState, ver)
			if err != nil {
				return err
			}
			tg, err := newTagger(key, ver)
			if err != nil {
				return err
			}
			// Not incremental: endTags sums every tagged bucket.
			v.tags = &txTags{started: true, tagger: tg, version: ver}
		}
		detail := upgradeDetail(format, pending)
		if err := v.appendAudit(tx, AuditEntry{Action: "upgrade", Detail: detail}); err != nil {
			return err
		}
		seal, err = v.sealTx(tx)
		return err
	})
	v.tags = nil
	if err != nil {
		return classifyBoltErr(err)
	}
	return v.committed(seal)
}

// upgradeDetail is the upgrade's access-log detail: what changed, and
// whether the old sums were verified first.
func upgradeDetail(from, pending string) string {
	what, old := "4096-bit entry sums, records recountable without a key", "128-bit"
	if from == format4 {
		what, old = "records recountable without a key", "format-4"
	}
	if pending != "" {
		return "format " + FormatVersion + ": " + what + "; the " + old + " sums could not be compared first (" + pending + ")"
	}
	return "format " + FormatVersion + ": " + what + "; the " + old + " sums verified"
}

package vault

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// AuditEntry is one line of the access log. It never holds personal data:
// aliases and counts only.
type AuditEntry struct {
	Seq     uint64    `json:"seq"`
	Time    time.Time `json:"time"`
	Actor   string    `json:"actor"`
	Role    Role      `json:"role,omitempty"`
	Action  string    `json:"action"`
	Aliases []string  `json:"aliases,omitempty"`
	Count   int       `json:"count,omitempty"`
	Detail  string    `json:"detail,omitempty"`
	Reason  string    `json:"reason,omitempty"`
	Prev    string    `json:"prev"`
	Hash    string    `json:"hash"`
}

// auditHead authenticates the chain: an HMAC under the owner-only audit key
// over the sequence number and hash of the newest entry an owner wrote.
// Editing, dropping or reordering any entry up to it breaks the hash chain or
// this MAC. Entries appended later by keyless purge or lesser roles are
// chained but pending until the owner's next command re-authenticates the head.
type auditHead struct {
	Seq     uint64 `json:"seq"`
	Hash    string `json:"hash"`
	Version uint32 `json:"key_version"`
	MAC     string `json:"mac"`
}

func entryHash(e AuditEntry) (string, error) {
	e.Hash = ""
	body, err := json.Marshal(e)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:]), nil
}

func headMessage(seq uint64, hash string) []byte {
	return []byte(fmt.Sprintf("%d:%s", seq, hash))
}

// appendAudit adds an entry in the caller's transaction, so the log and the
// change it records commit together.
func (v *Vault) appendAudit(tx *bolt.Tx, e AuditEntry) error {
	ab := tx.Bucket(bAudit)
	for i, a := range e.Aliases {
		e.Aliases[i] = crypto.FormatAlias(a)
	}
	e.Time = v.now()
	e.Actor = v.Actor()
	e.Role = v.Role()
	if e.Reason == "" {
		e.Reason = v.opts.Reason
	}
	if readActions[e.Action] && e.Reason == "" && v.Role() == RoleSupport {
		var st Settings
		if _, err := getJSON(tx.Bucket(bMeta), mSettings, &st); err != nil {
			return err
		}
		if st.ReasonRequiredSupport {
			return ErrReasonRequired
		}
	}
	e.Prev = ""
	if k, data := ab.Cursor().Last(); k != nil {
		var prev AuditEntry
		if err := json.Unmarshal(data, &prev); err != nil {
			return &IntegrityError{What: fmt.Sprintf("audit entry %d does not decode", beUint64(k))}
		}
		e.Seq = prev.Seq + 1
		e.Prev = prev.Hash
	} else {
		e.Seq = 1
	}
	h, err := entryHash(e)
	if err != nil {
		return err
	}
	e.Hash = h
	if err := putJSON(ab, beBytes(e.Seq), e); err != nil {
		return err
	}
	if v.Role() != RoleOwner || v.policy != nil || signedFormat(string(tx.Bucket(bMeta).Get(mFormat))) {
		// Format 3: the signed state head authenticates the log.
		return nil
	}
	key, ver, err := v.keys.currentKey(tx, GroupAudit)
	if err != nil {
		return err
	}
	mac, err := crypto.NewAuditMAC(key, ver)
	if err != nil {
		return err
	}
	head := auditHead{Seq: e.Seq, Hash: e.Hash, Version: ver, MAC: hex.EncodeToString(mac.Sum("head", headMessage(e.Seq, e.Hash)))}
	return putJSON(tx.Bucket(bMeta), mAuditHead, head)
}

// AuditFilter selects entries for audit list.
type AuditFilter struct {
	Since time.Time
	Actor string
	Alias string // canonical
}

// AuditList returns entries matching the filter (metadata: no key needed).
func (v *Vault) AuditList(f AuditFilter) ([]AuditEntry, error) {
	var out []AuditEntry
	err := v.view(func(tx *bolt.Tx) error {
		// Verify the whole log before listing any of it, so a doctored
		// entry is never shown as if it were genuine: the chain links every
		// entry to the newest, and the signed head pins that one.
		if err := v.verifyLogForReading(tx); err != nil {
			return err
		}
		return tx.Bucket(bAudit).ForEach(func(k, data []byte) error {
			var e AuditEntry
			if err := json.Unmarshal(data, &e); err != nil {
				return &IntegrityError{What: fmt.Sprintf("audit entry %d does not decode", beUint64(k))}
			}
			if !f.Since.IsZero() && e.Time.Before(f.Since) {
				return nil
			}
			if f.Actor != "" && e.Actor != f.Actor {
				return nil
			}
			if f.Alias != "" {
				found := false
				for _, a := range e.Aliases {
					if a == f.Alias {
						found = true
					}
				}
				if !found {
					return nil
				}
			}
			out = append(out, e)
			return nil
		})
	})
	return out, err
}

// verifyLogForReading is what listing the log needs, with no key: the
// hash chain, and in a format-3 vault the signed state head over it. (A
// format-1 or -2 vault's head MAC needs the owner's audit key; its chain
// is still walked.)
func (v *Vault) verifyLogForReading(tx *bolt.Tx) error {
	var rep AuditReport
	if v.policy != nil {
		return v.auditVerifySigned(tx, &rep)
	}
	return verifyChain(tx, &rep)
}

// AuditReport is the result of verifying the log.
type AuditReport struct {
	Entries       int    `json:"entries"`
	Authenticated uint64 `json:"authenticated_through"`
	Pending       int    `json:"pending"`
}

// AuditVerify checks the hash chain and the owner-authenticated head. It
// needs the owner's audit key; errors name the first bad entry.
func (v *Vault) AuditVerify() (AuditReport, error) {
	var rep AuditReport
	if v.policy != nil {
		err := v.view(func(tx *bolt.Tx) error { return v.auditVerifySigned(tx, &rep) })
		return rep, err
	}
	err := v.view(func(tx *bolt.Tx) error {
		var head auditHead
		ok, err := getJSON(tx.Bucket(bMeta), mAuditHead, &head)
		if err != nil {
			return err
		}
		if err := verifyChain(tx, &rep); err != nil {
			return err
		}
		if !ok {
			return &IntegrityError{What: "the audit log has no authenticated head"}
		}
		key, err := v.keys.key(tx, GroupAudit, head.Version)
		if err != nil {
			return err
		}
		mac, err := crypto.NewAuditMAC(key, head.Version)
		if err != nil {
			return err
		}
		want, _ := hex.DecodeString(head.MAC)
		if !mac.Verify("head", headMessage(head.Seq, head.Hash), want) {
			return &IntegrityError{What: "the audit head's MAC does not verify: the log was rewritten"}
		}
		data := tx.Bucket(bAudit).Get(beBytes(head.Seq))
		if data == nil {
			return &IntegrityError{What: fmt.Sprintf("audit entry %d (the authenticated head) is missing: the log was truncated", head.Seq)}
		}
		var e AuditEntry
		if err := json.Unmarshal(data, &e); err != nil || e.Hash != head.Hash {
			return &IntegrityError{What: fmt.Sprintf("audit entry %d does not match the authenticated head", head.Seq)}
		}
		rep.Authenticated = head.Seq
		rep.Pending = rep.Entries - int(head.Seq)
		return nil
	})
	return rep, err
}

// auditVerifySigned checks the log of a format-3 vault: the hash chain,
// and the signed state head pinning its newest signed entry. Entries after
// the head were written by keyless runs (nobody signed them); the next
// signed write covers them.
func (v *Vault) auditVerifySigned(tx *bolt.Tx, rep *AuditReport) error {
	head, err := verifyHead(tx, v.vaultID, v.policy)
	if err != nil {
		return err
	}
	if err := verifyChain(tx, rep); err != nil {
		return err
	}
	if head.Audit.Seq == 0 {
		rep.Pending = rep.Entries
		return nil
	}
	data := tx.Bucket(bAudit).Get(beBytes(head.Audit.Seq))
	if data == nil {
		return &IntegrityError{What: fmt.Sprintf("audit entry %d (named by the signed state head) is missing: the log was truncated", head.Audit.Seq)}
	}
	var e AuditEntry
	if err := json.Unmarshal(data, &e); err != nil || e.Hash != head.Audit.Hash {
		return &IntegrityError{What: fmt.Sprintf("audit entry %d does not match the signed state head: the log was rewritten", head.Audit.Seq)}
	}
	if head.Signer == purgeSigner {
		if err := onlyKeyless(tx, head.PersonSeq, head.Audit.Seq); err != nil {
			return err
		}
	}
	// The purge entries are authenticated by the statements they wrote.
	if err := verifyStatements(tx, v.vaultID, v.policy, head); err != nil {
		return err
	}
	rep.Authenticated = head.Audit.Seq
	rep.Pending = rep.Entries - int(head.Audit.Seq)
	return nil
}

// verifyChain walks every entry: sequence numbers without gaps, each hash
// recomputed, each entry linked to the previous one.
func verifyChain(tx *bolt.Tx, rep *AuditReport) error {
	prev := ""
	var want uint64 = 1
	return tx.Bucket(bAudit).ForEach(func(k, data []byte) error {
		seq := beUint64(k)
		var e AuditEntry
		if err := json.Unmarshal(data, &e); err != nil {
			return &IntegrityError{What: fmt.Sprintf("audit entry %d does not decode", seq)}
		}
		if seq != want || e.Seq != seq {
			return &IntegrityError{What: fmt.Sprintf("audit entry %d is out of sequence (expected %d): entries were removed or reordered", seq, want)}
		}
		h, err := entryHash(e)
		if err != nil {
			return err
		}
		if h != e.Hash {
			return &IntegrityError{What: fmt.Sprintf("audit entry %d was edited (its hash does not match)", seq)}
		}
		if e.Prev != prev {
			return &IntegrityError{What: fmt.Sprintf("audit entry %d does not link to entry %d", seq, seq-1)}
		}
		prev = e.Hash
		want++
		rep.Entries++
		return nil
	})
}

// auditChainOK is the keyless part of verification, used by check --metadata-only.
func auditChainOK(tx *bolt.Tx) error {
	var rep AuditReport
	return verifyChain(tx, &rep)
}

// readActions are the audit actions that expose personal data.
var readActions = map[string]bool{
	"show": true, "find": true, "list": true, "label": true, "manifest": true,
	"export subject": true, "export csv": true, "backup": true,
}

// ActorActivity summarises one actor's reads in a report.
type ActorActivity struct {
	Actor   string    `json:"actor"`
	Role    Role      `json:"role,omitempty"`
	Reads   int       `json:"reads"`
	Aliases []string  `json:"aliases"`
	Actions []string  `json:"actions"`
	First   time.Time `json:"first"`
	Last    time.Time `json:"last"`
}

// Report is the breach-investigation summary.
type Report struct {
	Since  time.Time       `json:"since"`
	Actors []ActorActivity `json:"actors"`
}

// AuditReport groups reads of personal data since a date by actor.
func (v *Vault) AuditReport(since time.Time) (Report, error) {
	rep := Report{Since: since, Actors: []ActorActivity{}}
	es, err := v.AuditList(AuditFilter{Since: since})
	if err != nil {
		return rep, err
	}
	byActor := map[string]*ActorActivity{}
	var order []string
	for _, e := range es {
		if !readActions[e.Action] {
			continue
		}
		a := byActor[e.Actor]
		if a == nil {
			a = &ActorActivity{Actor: e.Actor, Role: e.Role, First: e.Time, Aliases: []string{}}
			byActor[e.Actor] = a
			order = append(order, e.Actor)
		}
		a.Reads++
		a.Last = e.Time
		a.Aliases = appendUnique(a.Aliases, e.Aliases...)
		a.Actions = appendUnique(a.Actions, e.Action)
	}
	for _, name := range order {
		a := byActor[name]
		rep.Actors = append(rep.Actors, *a)
	}
	return rep, nil
}

func appendUnique(list []string, xs ...string) []string {
	for _, x := range xs {
		found := false
		for _, y := range list {
			if y == x {
				found = true
				break
			}
		}
		if !found {
			list = append(list, x)
		}
	}
	return list
}

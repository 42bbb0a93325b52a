package vault

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// A restore signs a policy version marked "restored". A restore over the
// vault keeps its chain and counter, so every machine that saw the vault
// walks on to it; but a restore onto a new machine (the vault file lost),
// or over a vault file that had been put back, cannot know the newest
// state other machines saw, and forks from it. Those machines then find
// the mark, signed by an owner they trust, dated after they last saw the
// vault, and say so (RestoredError) instead of reporting a rollback; the
// person accepts it with trust add --after-restore once the owner
// confirmed. An older copy put back from outside carries no such mark
// newer than what the machine saw, and stays a rollback.

// RestoredError means the vault file does not continue the state this
// machine saw because an owner restored it from a backup after this
// machine last saw it.
type RestoredError struct {
	By          string    // the restoring owner's label
	Fingerprint string    // their owner fingerprint
	At          time.Time // when they restored
	Seen        time.Time // when this machine last saw the vault
}

func (e *RestoredError) Error() string {
	return fmt.Sprintf("%s restored this vault from a backup on %s, after this machine last saw it on %s, so it does not continue the state this machine saw", e.By, e.At.UTC().Format(time.DateOnly), e.Seen.UTC().Format(time.DateOnly))
}

// Unwrap makes errors.Is(err, ErrIntegrity) hold: nothing is used until
// the person accepts it.
func (e *RestoredError) Unwrap() error { return ErrIntegrity }

// restoredSince finds the newest restore mark signed since seen in a
// chain that verifies from version 1 against the owners this machine
// trusts; nil when there is none (the file stays refused as it was).
func (v *Vault) restoredSince(t *trustFile, seen time.Time) *RestoredError {
	fresh := trustFile{Owners: t.Owners}
	if _, err := v.verifyChain(&fresh, ""); err != nil {
		return nil
	}
	var found *RestoredError
	_ = v.view(func(tx *bolt.Tx) error {
		var labels map[string]string
		return tx.Bucket(bPolicy).ForEach(func(_, stored []byte) error {
			signer, body, err := crypto.OpenSigned(crypto.DomainPolicy, stored)
			var b policyBody
			if err != nil || json.Unmarshal(body, &b) != nil {
				return nil
			}
			// Times are whole seconds: a restore in the second this
			// machine last saw the vault counts as after it.
			if b.Restored && !b.Time.Before(seen) {
				// the signer is an owner of the version before (verified)
				found = &RestoredError{By: labels[b.Signer], Fingerprint: crypto.Fingerprint(signer), At: b.Time, Seen: seen}
				if found.By == "" {
					found.By = "an owner"
				}
			}
			labels = map[string]string{}
			for _, r := range b.Recipients {
				labels[r.ID] = r.Label
			}
			return nil
		})
	})
	return found
}

// explainFork turns a failed check of this machine's trust file or
// witness into a RestoredError when an owner restored the vault since
// this machine last saw it.
func (v *Vault) explainFork(t *trustFile, err error) error {
	var rb *RollbackError
	var ie *IntegrityError
	if !errors.As(err, &rb) && !errors.As(err, &ie) {
		return err
	}
	w, werr := v.loadWitness()
	if werr != nil || w == nil {
		return err
	}
	if restored := v.restoredSince(t, w.Seen); restored != nil {
		return restored
	}
	return err
}

// acceptRestore, for trust add --after-restore FINGERPRINT, moves this
// machine's witness to the file's head when the file is a restore by
// that owner since this machine last saw the vault; otherwise the
// witness's refusal stands.
func (v *Vault) acceptRestore(t *trustFile, pin string, refused error) error {
	w, err := v.loadWitness()
	if err != nil || w == nil {
		return refused
	}
	restored := v.restoredSince(t, w.Seen)
	if restored == nil {
		return refused
	}
	if restored.Fingerprint != pin {
		return &InputError{Field: "fingerprint", Reason: fmt.Sprintf("is not the fingerprint of %s, who restored the vault: pin theirs, after checking it with them", restored.By)}
	}
	counter, hash, ok, err := v.headPoint()
	if err != nil || !ok {
		return refused
	}
	// The newest slot wins by counter: the file is written whole (-1), so
	// the higher counter seen before the restore is gone.
	return v.saveWitness(&witness{Counter: counter, Head: hash, Seen: v.now().UTC()}, -1)
}

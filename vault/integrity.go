package vault

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// errNoAnchor: the chain verified but no version is signed by a key this
// session trusts from outside the file.
var errNoAnchor = errors.New("no anchor")

// verifyTrust runs at every open of a format-3 vault: the policy chain
// against this machine's anchors, the keyring, recipients and settings
// against the newest policy, and the state head against both. Nothing the
// file says about keys or people is used before this passes.

var errUnknownFingerprint = &InputError{Field: "fingerprint", Reason: "belongs to no owner who signed this vault's policy", Err: ErrUnknownFingerprint}

func (v *Vault) verifyTrust() error {
	t, err := v.loadTrust(v.vaultID)
	if err != nil {
		return err
	}
	v.trust = t
	pin := ""
	if v.opts.PinOwner != "" {
		if pin, err = crypto.NormalizeFingerprint(v.opts.PinOwner); err != nil {
			return &InputError{Field: "fingerprint", Reason: err.Error()}
		}
	}
	res, err := v.verifyChain(t, pin)
	if errors.Is(err, errNoAnchor) && v.opts.Passphrase != nil {
		// The owner identity of a passphrase vault lives in the file;
		// once unlocked it derives its anchor like any identity. Identity
		// files given too (a default one from another vault) are tried in
		// the usual order, and do not stand in for the passphrase.
		if uerr := v.view(func(tx *bolt.Tx) error { _, err := v.keys.identities(tx); return err }); uerr != nil {
			return uerr
		}
		res, err = v.verifyChain(t, pin)
	}
	if err != nil && v.opts.Restoring && t.Policy != nil && !errors.Is(err, errNoAnchor) {
		// The file a restore replaces may be an older copy put back, behind
		// the policy this machine verified: its chain is verified from
		// version 1, as the backup's is, and this machine's point is kept.
		fresh := *t
		fresh.Policy = nil
		if again, ferr := v.verifyChain(&fresh, pin); ferr == nil {
			res, err, v.putBack = again, nil, true
		}
	}
	if errors.Is(err, errNoAnchor) {
		if pin != "" && len(t.Owners) == 0 {
			return errUnknownFingerprint
		}
		if len(t.Owners) > 0 {
			return &IntegrityError{What: "no version of the vault's signed policy is signed by an owner this machine trusts: its keyring was replaced"}
		}
		return &TrustError{What: "this machine does not trust any owner of this vault yet", Reason: TrustUnpinned}
	}
	if err != nil {
		return v.explainFork(t, err)
	}
	changed := false
	if res.anchorOwner != "" {
		pub, _ := hex.DecodeString(res.anchorOwner)
		changed = t.pin(crypto.Fingerprint(pub))
	}
	if pin != "" {
		if !slices.Contains(res.signers, pin) {
			return errUnknownFingerprint
		}
		changed = t.pin(pin) || changed
	}
	point := &trustedPoint{Version: res.latest.body.Version, Hash: res.latest.hash}
	if !v.putBack && (t.Policy == nil || *t.Policy != *point) {
		t.Policy, changed = point, true
	}
	if err := v.witnessOnOpen(); err != nil {
		if v.opts.AcceptRestore && pin != "" {
			err = v.acceptRestore(t, pin, err)
		}
		if err != nil {
			return v.explainFork(t, err)
		}
	}
	if changed {
		if err := v.saveTrust(v.vaultID, t); err != nil {
			return err
		}
	}
	return nil
}

// verifyChain walks the policy, compares the file with it and checks the
// head; pin, when set, is a fingerprint to try as an anchor (trust add),
// which walks the whole chain so that its signatures are seen.
func (v *Vault) verifyChain(t *trustFile, pin string) (chainResult, error) {
	a := anchors{pinned: t.Owners}
	for _, k := range v.keys.derivedKeys() {
		a.derived = append(a.derived, hex.EncodeToString(k.Public().(ed25519.PublicKey)))
	}
	from := t.Policy
	if pin != "" {
		a.pinned = append(slices.Clone(a.pinned), pin)
		from = nil
	}
	var res chainResult
	err := v.view(func(tx *bolt.Tx) error {
		var err error
		if res, err = walkPolicy(tx, v.vaultID, from, a); err != nil {
			return err
		}
		if !res.anchored {
			if who := v.impersonated(&res.latest); who != "" {
				return &IntegrityError{What: fmt.Sprintf("the vault's policy lists %q with a signing key their identity does not derive: someone else signed it", who)}
			}
			return errNoAnchor
		}
		return v.checkAgainstPolicy(tx, &res.latest)
	})
	if err != nil {
		return res, err
	}
	v.policy = &res.latest
	return res, nil
}

// checkAgainstPolicy compares the file's keyring, recipients and settings
// with the verified policy, then checks the head.
func (v *Vault) checkAgainstPolicy(tx *bolt.Tx, p *verifiedPolicy) error {
	state, err := readPolicyState(tx)
	if err != nil {
		return err
	}
	if d := stateDiff(&state, &p.body.policyState); d != "" {
		return &IntegrityError{What: d}
	}
	h, err := verifyHead(tx, v.vaultID, p)
	if err != nil {
		return err
	}
	if err := verifyDataHead(tx, v.vaultID, p, h); err != nil {
		return err
	}
	if err := checkStmtPoint(tx, h); err != nil {
		return err
	}
	if err := refuseUnsignedKeylessWrites(tx, h); err != nil {
		return err
	}
	if err := checkSumsFormat(tx, h); err != nil {
		return err
	}
	if err := checkBoundMeta(tx, h); err != nil {
		return err
	}
	// The newest signed audit entry must be the one the head signed, or
	// the next write would sign a log rewritten since.
	if h.Audit.Seq > 0 {
		var e struct {
			Hash string `json:"hash"`
		}
		data := tx.Bucket(bAudit).Get(beBytes(h.Audit.Seq))
		if data == nil || json.Unmarshal(data, &e) != nil || e.Hash != h.Audit.Hash {
			return &IntegrityError{What: fmt.Sprintf("audit entry %d does not match the signed state head: the access log was rewritten or truncated", h.Audit.Seq)}
		}
	}
	v.head = h
	return nil
}

// derivedKeys are the signing keys derived from this session's identities
// (those that hold their secret).
func (k *keyring) derivedKeys() []ed25519.PrivateKey {
	ids := k.ids
	if ids == nil {
		ids = k.v.opts.Identities
	}
	// The open derives from the identity files before a passphrase may
	// unlock the vault's own identity (k.ids): a cache of the same length
	// would sign with a file that is nobody in this vault.
	if k.derived != nil && sameIdentities(k.derivedFrom, ids) {
		return k.derived
	}
	var out []ed25519.PrivateKey
	for _, id := range ids {
		if key, err := crypto.IdentitySigningKey(id); err == nil {
			out = append(out, key)
		}
	}
	k.derived, k.derivedFrom = out, ids
	return out
}

// sameIdentities tells whether a and b are the same slice (not merely equal
// in length): identities need not be comparable values.
func sameIdentities(a, b []age.Identity) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// signingKeyFor returns r's signing key when this session holds it (nil
// otherwise): derived from one of its identities, or unwrapped from r's
// wrapped seed, and always checked against the public key the policy lists.
func (v *Vault) signingKeyFor(tx *bolt.Tx, r *policyRecipient) (ed25519.PrivateKey, error) {
	k := v.keys
	matches := func(key ed25519.PrivateKey) bool {
		return hex.EncodeToString(key.Public().(ed25519.PublicKey)) == r.SigningKey
	}
	if key, ok := k.signers[r.ID]; ok && matches(key) {
		return key, nil
	}
	switch r.Signing {
	case signingDerived:
		for _, key := range k.derivedKeys() {
			if matches(key) {
				k.signers[r.ID] = key
				return key, nil
			}
		}
	case signingWrapped:
		ids := k.ids
		if ids == nil {
			ids = v.opts.Identities
		}
		gb := tx.Bucket(bKeys).Bucket([]byte(groupSign))
		if len(ids) == 0 || gb == nil || gb.Get([]byte(r.ID)) == nil {
			return nil, nil
		}
		seed, err := crypto.UnwrapKey(gb.Get([]byte(r.ID)), ids)
		if errors.Is(err, crypto.ErrNoIdentityMatch) {
			return nil, nil
		}
		if err != nil {
			return nil, &IntegrityError{What: fmt.Sprintf("the signing key wrapped to %q does not open", r.Label)}
		}
		key, err := crypto.SigningKeyFromSeed(seed)
		clear(seed)
		if err != nil || !matches(key) {
			return nil, &IntegrityError{What: fmt.Sprintf("the signing key wrapped to %q does not match the signed policy", r.Label)}
		}
		k.signers[r.ID] = key
		return key, nil
	}
	return nil, nil
}

// newSigningKey gives recipient info a signing key: derived from id when
// it holds its secret, otherwise a random seed wrapped to the recipient.
// The session remembers the key it made.
func (v *Vault) newSigningKey(tx *bolt.Tx, rid string, info *recipientInfo, id age.Identity) error {
	if id != nil {
		if key, err := crypto.IdentitySigningKey(id); err == nil {
			info.SigningKey, info.Signing = hex.EncodeToString(key.Public().(ed25519.PublicKey)), signingDerived
			v.keys.signers[rid] = key
			return nil
		}
	}
	r, err := crypto.ParseRecipient(info.Recipient, nil)
	if err != nil {
		return &InputError{Field: "recipient", Reason: err.Error()}
	}
	seed, err := crypto.NewSigningSeed(v.opts.Rand)
	if err != nil {
		return err
	}
	defer clear(seed)
	blob, err := crypto.WrapKey(seed, r)
	if err != nil {
		return err
	}
	gb, err := tx.Bucket(bKeys).CreateBucketIfNotExists([]byte(groupSign))
	if err != nil {
		return err
	}
	if err := gb.Put([]byte(rid), blob); err != nil {
		return err
	}
	key, _ := crypto.SigningKeyFromSeed(seed)
	info.SigningKey, info.Signing = hex.EncodeToString(key.Public().(ed25519.PublicKey)), signingWrapped
	v.keys.signers[rid] = key
	return nil
}

// dropSigningKey deletes a removed recipient's wrapped signing seed.
func dropSigningKey(tx *bolt.Tx, rid string) error {
	if gb := tx.Bucket(bKeys).Bucket([]byte(groupSign)); gb != nil {
		return gb.Delete([]byte(rid))
	}
	return nil
}

// txSeal is what a write transaction signed, applied once it commits.
type txSeal struct {
	policy *verifiedPolicy
	head   *headBody
}

// sealTx ends every write transaction of a format-3 vault: when the
// keyring, recipients or settings changed it signs a new policy version
// (only an owner of the previous version can), and it signs a new state
// head as the session's recipient. A keyless session signs nothing; its
// audit entries stay after the head's seq (reported as unsigned).
func (v *Vault) sealTx(tx *bolt.Tx) (*txSeal, error) {
	state, err := readPolicyState(tx)
	if err != nil {
		return nil, err
	}
	out := &txSeal{policy: v.policy, head: v.head}
	if v.policy == nil || stateDiff(&state, &v.policy.body.policyState) != "" || v.markRestore {
		allowed := &state
		if v.policy != nil {
			allowed = &v.policy.body.policyState
		}
		var priv ed25519.PrivateKey
		var signer string
		for i := range allowed.Recipients {
			r := &allowed.Recipients[i]
			if r.Role != RoleOwner {
				continue
			}
			if priv, err = v.signingKeyFor(tx, r); err != nil {
				return nil, err
			}
			if priv != nil {
				signer = r.ID
				break
			}
		}
		if priv == nil {
			nr := &NeedRoleError{Groups: roleGroups[RoleOwner]}
			if a := v.keys.actor; a != nil {
				nr.Actor, nr.Role = a.Label, a.Role
			}
			return nil, nr
		}
		p, err := signPolicy(tx, v.vaultID, v.policy, state, signer, priv, v.now(), v.markRestore)
		if err != nil {
			return nil, err
		}
		v.markRestore = false
		out.policy = &p
	}
	actor := v.keys.actor
	if actor == nil {
		if v.opts.Purging || v.applying != nil {
			return out, v.signPurgeHead(tx, out)
		}
		return out, nil
	}
	// A person's write that is left unsigned reads as tampering to every
	// later check and keyless purge: refuse it (the transaction rolls back).
	r := out.policy.recipient(actor.ID)
	if r == nil {
		return nil, &IntegrityError{What: fmt.Sprintf("%q is not in the vault's signed policy, so this change could not be signed; nothing was written", actor.Label)}
	}
	priv, err := v.signingKeyFor(tx, r)
	if err != nil {
		return nil, err
	}
	if priv == nil {
		return nil, &IntegrityError{What: fmt.Sprintf("this session does not hold the signing key the signed policy lists for %q, so this change could not be signed; nothing was written", r.Label)}
	}
	sums, err := v.endTags(tx)
	if err != nil {
		return nil, err
	}
	if out.head, err = signHead(tx, v.vaultID, v.head, out.policy, r, priv, v.now(), sums, v.tags); err != nil {
		return nil, err
	}
	return out, nil
}

// committed applies what a committed transaction signed, and remembers on
// this machine the newest policy it made.
func (v *Vault) committed(s *txSeal) error {
	if s == nil {
		return nil
	}
	changed := s.policy != v.policy
	v.policy, v.head = s.policy, s.head
	if changed && v.trust != nil {
		v.trust.Policy = &trustedPoint{Version: s.policy.body.Version, Hash: s.policy.hash}
		if err := v.saveTrust(v.vaultID, v.trust); err != nil {
			return err
		}
	}
	return v.witnessAfterWrite()
}

// prefetchSigner unwraps the session's signing key before a transaction
// changes the keyring (a removal deletes the wrapped seed it came from).
func (v *Vault) prefetchSigner(tx *bolt.Tx) error {
	// Only a session already unlocked: finding out who it is could ask
	// for a passphrase, which a write must never do on its own.
	actor := v.keys.actor
	if v.policy == nil || actor == nil {
		return nil
	}
	if r := v.policy.recipient(actor.ID); r != nil {
		_, err := v.signingKeyFor(tx, r)
		return err
	}
	return nil
}

// identityOf finds the session identity that is recipient rid (to derive
// its signing key), or nil.
func (v *Vault) identityOf(tx *bolt.Tx, rid string, ids []age.Identity) age.Identity {
	for _, id := range ids {
		if s := crypto.IdentityRecipient(id); s != "" && crypto.RecipientID(s) == rid {
			return id
		}
	}
	// SSH identities do not name their recipient: the one that opens
	// rid's wrapped shipping key is it.
	gb := tx.Bucket(bKeys).Bucket([]byte(GroupShipping))
	if gb == nil {
		return nil
	}
	ver := uint32(beUint64(gb.Get([]byte("current"))))
	blob := gb.Get(wrappedKeyName(ver, rid))
	for _, id := range ids {
		if blob != nil && crypto.IdentityRecipient(id) == "" {
			if key, err := crypto.UnwrapKey(blob, []age.Identity{id}); err == nil {
				clear(key)
				return id
			}
		}
	}
	return nil
}

// Upgraded tells whether the vault is authenticated (format 3); a format-2
// vault opens for reading until an owner's first open upgrades it.
func (v *Vault) Upgraded() bool { return v.policy != nil }

// upgrade turns a format-2 (or 1) vault into format 3 at an owner's first
// writable open: signing keys for every recipient, policy version 1, the
// first signed head, the owner pinned on this machine. Nothing is
// decrypted or re-sealed. Non-owners leave it as it is (reads only).
func (v *Vault) upgrade() error {
	owner := false
	if len(v.opts.Identities) > 0 || v.opts.Passphrase != nil {
		var err error
		if owner, err = v.sessionIsOwner(); err != nil {
			return err
		}
	}
	if !owner {
		v.needUpgrade = true
		return nil
	}
	var seal *txSeal
	err := v.db.Update(func(tx *bolt.Tx) error {
		rb := tx.Bucket(bRecipients)
		var rids [][]byte
		c := rb.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			rids = append(rids, bytes.Clone(k))
		}
		for _, rid := range rids {
			var info recipientInfo
			if _, err := getJSON(rb, rid, &info); err != nil {
				return err
			}
			var id age.Identity
			if string(rid) == v.keys.actor.ID {
				id = v.identityOf(tx, string(rid), v.keys.ids)
			}
			if err := v.newSigningKey(tx, string(rid), &info, id); err != nil {
				return err
			}
			if err := putJSON(rb, rid, info); err != nil {
				return err
			}
		}
		if _, err := tx.CreateBucketIfNotExists(bPolicy); err != nil {
			return err
		}
		if err := tx.Bucket(bMeta).Put(mFormat, []byte(FormatVersion)); err != nil {
			return err
		}
		if err := v.newPurgeKey(tx); err != nil {
			return err
		}
		// The signed head replaces the owner's audit MAC.
		if err := tx.Bucket(bMeta).Delete(mAuditHead); err != nil {
			return err
		}
		if err := v.appendAudit(tx, AuditEntry{Action: "upgrade", Detail: "format 3"}); err != nil {
			return err
		}
		var err error
		seal, err = v.sealTx(tx)
		return err
	})
	if err != nil {
		return classifyBoltErr(err)
	}
	return v.pinAfterCreate(seal)
}

// pinAfterCreate records, after init or the upgrade committed, the owner
// and the first policy on this machine.
func (v *Vault) pinAfterCreate(seal *txSeal) error {
	v.policy, v.head = seal.policy, seal.head
	t, err := v.loadTrust(v.vaultID)
	if err != nil {
		return err
	}
	v.trust = t
	for _, pub := range ownerKeys(&seal.policy.body.policyState) {
		b, _ := hex.DecodeString(pub)
		t.pin(crypto.Fingerprint(b))
	}
	t.Policy = &trustedPoint{Version: seal.policy.body.Version, Hash: seal.policy.hash}
	return v.saveTrust(v.vaultID, t)
}

// OwnerFingerprints are the fingerprints of the owners' signing keys in
// the newest policy: what another machine pins (shopvault trust add).
func (v *Vault) OwnerFingerprints() []string {
	if v.policy == nil {
		return nil
	}
	var out []string
	for _, pub := range ownerKeys(&v.policy.body.policyState) {
		b, _ := hex.DecodeString(pub)
		out = append(out, crypto.Fingerprint(b))
	}
	return out
}

// retrust verifies the vault file anew after an owner replaced it (restore):
// its policy chain is walked from version 1 against this machine's anchors,
// and its newest policy becomes the one this machine trusts.
func (v *Vault) retrust() error {
	// the file put back is gone: the restored one is what this machine verifies
	v.policy, v.head, v.putBack = nil, nil, false
	err := v.view(func(tx *bolt.Tx) error {
		v.vaultID = bytes.Clone(tx.Bucket(bMeta).Get(mVaultID))
		return nil
	})
	if err != nil {
		return err
	}
	f, err := v.format()
	if err != nil || !signedFormat(f) {
		return err
	}
	t, err := v.loadTrust(v.vaultID)
	if err != nil {
		return err
	}
	t.Policy = nil
	if err := v.saveTrust(v.vaultID, t); err != nil {
		return err
	}
	return v.verifyTrust()
}

// verifyCopy verifies another file of this vault (a backup about to be
// restored) against this machine's anchors from its policy's version 1,
// without changing what this machine trusts, so that writing to it signs
// only what its owners signed. A format-2 copy is left to the upgrade.
func (v *Vault) verifyCopy() error {
	var f string
	err := v.view(func(tx *bolt.Tx) error {
		m := tx.Bucket(bMeta)
		if m == nil {
			return ErrFormat
		}
		v.vaultID, f = bytes.Clone(m.Get(mVaultID)), string(m.Get(mFormat))
		return nil
	})
	if err != nil || !signedFormat(f) {
		return err
	}
	t, err := v.loadTrust(v.vaultID)
	if err != nil {
		return err
	}
	fresh := *t
	fresh.Policy = nil
	if _, err := v.verifyChain(&fresh, ""); err != nil {
		if errors.Is(err, errNoAnchor) {
			return &IntegrityError{What: "the backup's signed policy is not signed by an owner this machine trusts"}
		}
		return err
	}
	return nil
}

// pinOwners pins on this machine every owner of the newest policy (after
// an owner replaced their own identity, so that keyless runs here keep
// trusting the vault once the old owner is gone from it).
func (v *Vault) pinOwners() error {
	if v.trust == nil || v.policy == nil {
		return nil
	}
	changed := false
	for _, fp := range v.OwnerFingerprints() {
		changed = v.trust.pin(fp) || changed
	}
	if !changed {
		return nil
	}
	return v.saveTrust(v.vaultID, v.trust)
}

// impersonated names a recipient that this session's own identity is, but
// whose derived signing key in the policy is not the one that identity
// derives: the file was signed by someone else in their name. This tells
// a forged file (exit 7) from a machine that merely trusts no one yet.
func (v *Vault) impersonated(p *verifiedPolicy) string {
	ids := v.keys.ids
	if ids == nil {
		ids = v.opts.Identities
	}
	for _, id := range ids {
		rcpt := crypto.IdentityRecipient(id)
		key, err := crypto.IdentitySigningKey(id)
		if rcpt == "" || err != nil {
			continue
		}
		r := p.recipient(crypto.RecipientID(rcpt))
		if r != nil && r.Signing == signingDerived && r.SigningKey != hex.EncodeToString(key.Public().(ed25519.PublicKey)) {
			return r.Label
		}
	}
	return ""
}

// sessionIsOwner tells whether the session's identity is an owner of the
// vault. Not being able to tell (no identity, or one that opens nothing)
// is "no", not an error: the caller then leaves owner-only work undone.
func (v *Vault) sessionIsOwner() (bool, error) {
	owner := false
	err := v.view(func(tx *bolt.Tx) error {
		a, err := v.keys.whoAmI(tx)
		owner = err == nil && a.Role == RoleOwner
		if err != nil && !errors.Is(err, ErrWrongIdentity) && !errors.Is(err, ErrNoIdentity) {
			return err
		}
		return nil
	})
	return owner, err
}

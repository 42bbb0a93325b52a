package vault

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// The policy is everything that decides who holds which key: recipients
// with their roles and signing keys, every wrapped key's hash, each group's
// current version, the settings. Each version is signed by an owner of the
// version before it, and the file must say exactly what the newest version
// says before any of it is used (docs/format.md, "Policy").

var bPolicy = []byte("policy") // version (uint64 BE) -> signed policy

// Signing key kinds of a recipient.
const (
	signingDerived = "derived" // from the identity's secret (crypto.IdentitySigningKey)
	signingWrapped = "wrapped" // a random seed wrapped to the recipient at keys/sign/<id>
)

// groupSign is the keyring bucket of wrapped signing seeds.
const groupSign = "sign"

// policyRecipient is a recipient as the policy states it.
type policyRecipient struct {
	ID string `json:"id"`
	recipientInfo
}

// policyGroup is one keyring bucket: the current version and the SHA-256
// of every entry (wrapped keys by name).
type policyGroup struct {
	Current uint64            `json:"current,omitempty"`
	Entries map[string]string `json:"blobs"`
}

// policyState is what the file must match.
type policyState struct {
	Recipients         []policyRecipient      `json:"recipients"`
	Keys               map[string]policyGroup `json:"keys"`
	Settings           string                 `json:"settings"`
	PassphraseIdentity string                 `json:"passphrase_identity,omitempty"`
	// PurgeKey is the hex public key of the purge signing key (meta/purge_key).
	PurgeKey string `json:"purge_key,omitempty"`
	// RulesHash is the hash of the retention rules an owner approved
	// (meta/rules_hash, RulesHash): purge statements under other rules are
	// reported, never refused (cron is not blocked).
	RulesHash string `json:"rules_hash,omitempty"`
}

// policyBody is one signed policy version.
type policyBody struct {
	VaultID string    `json:"vault_id"`
	Version uint64    `json:"version"`
	Prev    string    `json:"prev"`
	Time    time.Time `json:"time"`
	Signer  string    `json:"signer"`
	// Restored marks the version a restore signed: an owner chose an
	// older state on that day, which may fork from what a machine saw.
	Restored bool `json:"restored,omitempty"`
	policyState
}

// verifiedPolicy is the newest policy version after verification.
type verifiedPolicy struct {
	body policyBody
	hash string // hex SHA-256 of the stored value
}

func (p *verifiedPolicy) recipient(id string) *policyRecipient {
	for i := range p.body.Recipients {
		if p.body.Recipients[i].ID == id {
			return &p.body.Recipients[i]
		}
	}
	return nil
}

// ownerKeys are the signing public keys of the owners a policy lists.
func ownerKeys(s *policyState) []string {
	var out []string
	for _, r := range s.Recipients {
		if r.Role == RoleOwner && r.SigningKey != "" {
			out = append(out, r.SigningKey)
		}
	}
	return out
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// readPolicyState reads from the file what the policy must say.
func readPolicyState(tx *bolt.Tx) (policyState, error) {
	s := policyState{Keys: map[string]policyGroup{}, Recipients: []policyRecipient{}}
	err := tx.Bucket(bRecipients).ForEach(func(k, data []byte) error {
		var info recipientInfo
		if err := json.Unmarshal(data, &info); err != nil {
			return &IntegrityError{What: "a recipients entry does not decode"}
		}
		s.Recipients = append(s.Recipients, policyRecipient{ID: string(k), recipientInfo: info})
		return nil
	})
	if err != nil {
		return s, err
	}
	kb := tx.Bucket(bKeys)
	err = kb.ForEach(func(name, val []byte) error {
		gb := kb.Bucket(name)
		if gb == nil {
			// Nothing but group buckets belongs here: name it so it differs.
			s.Keys["entry:"+string(name)] = policyGroup{Entries: map[string]string{"": sha256Hex(val)}}
			return nil
		}
		g := policyGroup{Entries: map[string]string{}}
		err := gb.ForEach(func(k, blob []byte) error {
			switch {
			case blob == nil:
				g.Entries["bucket:"+string(k)] = ""
			case string(k) == "current":
				g.Current = beUint64(blob)
				if len(blob) != 8 {
					g.Entries["current"] = sha256Hex(blob)
				}
			default:
				g.Entries[string(k)] = sha256Hex(blob)
			}
			return nil
		})
		s.Keys[string(name)] = g
		return err
	})
	if err != nil {
		return s, err
	}
	m := tx.Bucket(bMeta)
	s.Settings = sha256Hex(m.Get(mSettings))
	if p := m.Get(mPassIdentity); p != nil {
		s.PassphraseIdentity = sha256Hex(p)
	}
	s.PurgeKey = string(m.Get(mPurgeKey))
	s.RulesHash = string(m.Get(mRulesHash))
	return s, nil
}

// stateDiff names the first thing that differs between what the file holds
// and what the signed policy says, "" when they agree. It names keyring
// entries and recipient labels, never customer data.
func stateDiff(file, signed *policyState) string {
	fr := map[string]policyRecipient{}
	for _, r := range file.Recipients {
		fr[r.ID] = r
	}
	sr := map[string]policyRecipient{}
	for _, r := range signed.Recipients {
		sr[r.ID] = r
	}
	for _, id := range sortedNames(fr) {
		s, ok := sr[id]
		f := fr[id]
		if !ok {
			return fmt.Sprintf("the recipients entry %s (%q, role %s) is not in the signed policy", id, f.Label, f.Role)
		}
		if !sameRecipient(f.recipientInfo, s.recipientInfo) {
			return fmt.Sprintf("the recipients entry %s (%q) differs from the signed policy", id, s.Label)
		}
	}
	for _, id := range sortedNames(sr) {
		if _, ok := fr[id]; !ok {
			return fmt.Sprintf("the recipients entry %s (%q) that the signed policy lists is missing", id, sr[id].Label)
		}
	}
	for _, g := range sortedNames(file.Keys) {
		fg, sg := file.Keys[g], signed.Keys[g]
		if _, ok := signed.Keys[g]; !ok {
			return fmt.Sprintf("the keyring group %s is not in the signed policy", g)
		}
		if fg.Current != sg.Current {
			return fmt.Sprintf("the %s key's current version is %d, the signed policy says %d", g, fg.Current, sg.Current)
		}
		for _, name := range sortedNames(fg.Entries) {
			want, ok := sg.Entries[name]
			if !ok {
				return fmt.Sprintf("the keyring entry %s/%s is not in the signed policy", g, name)
			}
			if want != fg.Entries[name] {
				return fmt.Sprintf("the keyring entry %s/%s was replaced (it differs from the signed policy)", g, name)
			}
		}
		for _, name := range sortedNames(sg.Entries) {
			if _, ok := fg.Entries[name]; !ok {
				return fmt.Sprintf("the keyring entry %s/%s that the signed policy lists is missing", g, name)
			}
		}
	}
	for _, g := range sortedNames(signed.Keys) {
		if _, ok := file.Keys[g]; !ok {
			return fmt.Sprintf("the keyring group %s that the signed policy lists is missing", g)
		}
	}
	if file.Settings != signed.Settings {
		return "the settings differ from the signed policy"
	}
	if file.PurgeKey != signed.PurgeKey {
		return "the purge key differs from the signed policy"
	}
	if file.RulesHash != signed.RulesHash {
		return "the approved retention rules differ from the signed policy"
	}
	if file.PassphraseIdentity != signed.PassphraseIdentity {
		return "the passphrase-protected owner identity differs from the signed policy"
	}
	return ""
}

func sameRecipient(a, b recipientInfo) bool {
	return a.Recipient == b.Recipient && a.Role == b.Role && a.Label == b.Label && a.Added.Equal(b.Added) &&
		a.SigningKey == b.SigningKey && a.Signing == b.Signing
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// anchors are the signing keys this session trusts from outside the file.
type anchors struct {
	pinned  []string // fingerprints
	derived []string // hex public keys derived from the session's identities
}

func (a anchors) trusts(pubHex string) bool {
	if slices.Contains(a.derived, pubHex) {
		return true
	}
	pub, err := hex.DecodeString(pubHex)
	if err != nil {
		return false
	}
	return slices.Contains(a.pinned, crypto.Fingerprint(ed25519.PublicKey(pub)))
}

// chainResult is what walking the policy chain found.
type chainResult struct {
	latest   verifiedPolicy
	anchored bool
	// anchorOwner is a derived anchor that signed a version (to pin).
	anchorOwner string
	// signers are the fingerprints of the keys that signed the versions walked.
	signers []string
}

// walkPolicy verifies the chain from the version this machine already
// trusts (from version 1 without one).
func walkPolicy(tx *bolt.Tx, vaultID []byte, from *trustedPoint, a anchors) (chainResult, error) {
	var res chainResult
	pb := tx.Bucket(bPolicy)
	if pb == nil {
		return res, &IntegrityError{What: "the signed policy is missing (format 3 vault without a policy bucket)"}
	}
	c := pb.Cursor()
	lastKey, _ := c.Last()
	if lastKey == nil {
		return res, &IntegrityError{What: "the signed policy is missing (no version)"}
	}
	newest := beUint64(lastKey)
	start := uint64(1)
	var prev *policyBody
	prevHash := ""
	if from != nil && from.Version > 0 {
		if newest < from.Version {
			return res, &IntegrityError{What: fmt.Sprintf("the signed policy was rolled back: the file's newest version is %d, this machine already verified version %d", newest, from.Version)}
		}
		stored := pb.Get(beBytes(from.Version))
		if stored == nil || sha256Hex(stored) != from.Hash {
			return res, &IntegrityError{What: fmt.Sprintf("policy version %d differs from the one this machine verified", from.Version)}
		}
		// Its hash is the one verified before: no signature to check again.
		body := stored[1+ed25519.PublicKeySize+ed25519.SignatureSize:]
		var b policyBody
		if err := json.Unmarshal(body, &b); err != nil {
			return res, &IntegrityError{What: fmt.Sprintf("policy version %d does not decode", from.Version)}
		}
		prev, prevHash, start = &b, from.Hash, from.Version+1
		res.anchored = true
		res.latest = verifiedPolicy{body: b, hash: from.Hash}
	}
	for ver := start; ver <= newest; ver++ {
		stored := pb.Get(beBytes(ver))
		if stored == nil {
			return res, &IntegrityError{What: fmt.Sprintf("policy version %d is missing", ver)}
		}
		signer, body, err := crypto.OpenSigned(crypto.DomainPolicy, stored)
		if err != nil {
			return res, &IntegrityError{What: fmt.Sprintf("policy version %d is not validly signed", ver)}
		}
		var b policyBody
		if err := json.Unmarshal(body, &b); err != nil {
			return res, &IntegrityError{What: fmt.Sprintf("policy version %d does not decode", ver)}
		}
		if b.Version != ver || b.VaultID != hex.EncodeToString(vaultID) || b.Prev != prevHash {
			return res, &IntegrityError{What: fmt.Sprintf("policy version %d does not link to version %d of this vault", ver, ver-1)}
		}
		signerHex := hex.EncodeToString(signer)
		// Version 1 is signed by an owner it lists; every later one by an
		// owner of the version before it.
		allowed := &b.policyState
		if prev != nil {
			allowed = &prev.policyState
		}
		if !slices.Contains(ownerKeys(allowed), signerHex) {
			return res, &IntegrityError{What: fmt.Sprintf("policy version %d is signed by a key that is not an owner of version %d", ver, max(ver-1, 1))}
		}
		res.signers = append(res.signers, crypto.Fingerprint(signer))
		if a.trusts(signerHex) {
			res.anchored = true
			if slices.Contains(a.derived, signerHex) {
				res.anchorOwner = signerHex
			}
		}
		h := sha256Hex(stored)
		prev, prevHash = &b, h
		res.latest = verifiedPolicy{body: b, hash: h}
	}
	if pb.Stats().KeyN != int(newest) {
		return res, &IntegrityError{What: "the policy bucket holds entries that are not policy versions"}
	}
	return res, nil
}

// signPolicy appends a new policy version stating s, signed by priv
// (which the caller checked is an owner of the previous version).
func signPolicy(tx *bolt.Tx, vaultID []byte, prev *verifiedPolicy, s policyState, signerID string, priv ed25519.PrivateKey, now time.Time, restored bool) (verifiedPolicy, error) {
	b := policyBody{VaultID: hex.EncodeToString(vaultID), Version: 1, Time: now, Signer: signerID, Restored: restored, policyState: s}
	if prev != nil {
		b.Version, b.Prev = prev.body.Version+1, prev.hash
	}
	body, err := json.Marshal(b)
	if err != nil {
		return verifiedPolicy{}, err
	}
	stored := crypto.EncodeSigned(priv, crypto.DomainPolicy, body)
	pb, err := tx.CreateBucketIfNotExists(bPolicy)
	if err != nil {
		return verifiedPolicy{}, err
	}
	if err := pb.Put(beBytes(b.Version), stored); err != nil {
		return verifiedPolicy{}, err
	}
	return verifiedPolicy{body: b, hash: sha256Hex(stored)}, nil
}

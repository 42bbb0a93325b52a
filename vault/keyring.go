package vault

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// keyring holds, for one process, the keys it has unwrapped: one age unwrap
// per group and version, never one per record.
type keyring struct {
	v        *Vault
	keys     map[Group]map[uint32][]byte
	sealers  map[string]*crypto.Sealer
	indexers map[uint32]*crypto.BlindIndexer
	actor    *actorInfo
	ids      []age.Identity
	// signers are the signing keys this session holds, by recipient id;
	// derived are those derived from derivedFrom, the session's identities.
	signers     map[string]ed25519.PrivateKey
	derived     []ed25519.PrivateKey
	derivedFrom []age.Identity
}

type actorInfo struct {
	ID    string
	Label string
	Role  Role
}

func newKeyring(v *Vault) *keyring {
	return &keyring{v: v, keys: map[Group]map[uint32][]byte{}, sealers: map[string]*crypto.Sealer{}, indexers: map[uint32]*crypto.BlindIndexer{}, signers: map[string]ed25519.PrivateKey{}}
}

func (k *keyring) wipe() {
	for _, vers := range k.keys {
		for _, key := range vers {
			clear(key)
		}
	}
	k.keys = map[Group]map[uint32][]byte{}
	k.sealers = map[string]*crypto.Sealer{}
	k.indexers = map[uint32]*crypto.BlindIndexer{}
	for _, key := range k.signers {
		clear(key)
	}
	k.signers = map[string]ed25519.PrivateKey{}
	k.derived, k.derivedFrom = nil, nil
}

func (k *keyring) remember(group Group, version uint32, key []byte) {
	if k.keys[group] == nil {
		k.keys[group] = map[uint32][]byte{}
	}
	k.keys[group][version] = key
}

func versionBucketName(version uint32) []byte {
	return []byte("v" + strconv.FormatUint(uint64(version), 10))
}

func parseVersionBucketName(name []byte) (uint32, bool) {
	if len(name) < 2 || name[0] != 'v' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(name[1:]), 10, 32)
	return uint32(n), err == nil
}

// storeNewVersion writes key as version of group, wrapped to each recipient.
func (k *keyring) storeNewVersion(tx *bolt.Tx, group Group, version uint32, key []byte, to map[string]age.Recipient) error {
	gb, err := tx.Bucket(bKeys).CreateBucketIfNotExists([]byte(group))
	if err != nil {
		return err
	}
	for id, r := range to {
		blob, err := crypto.WrapKey(key, r)
		if err != nil {
			return err
		}
		if err := gb.Put(wrappedKeyName(version, id), blob); err != nil {
			return err
		}
	}
	return gb.Put([]byte("current"), beBytes(uint64(version)))
}

func currentVersion(tx *bolt.Tx, group Group) (uint32, error) {
	gb := tx.Bucket(bKeys).Bucket([]byte(group))
	if gb == nil {
		return 0, &IntegrityError{What: "the keyring has no " + string(group) + " key"}
	}
	return uint32(beUint64(gb.Get([]byte("current")))), nil
}

// keyVersions lists the versions of group present in the keyring.
func keyVersions(tx *bolt.Tx, group Group) []uint32 {
	var out []uint32
	gb := tx.Bucket(bKeys).Bucket([]byte(group))
	if gb == nil {
		return nil
	}
	c := gb.Cursor()
	for k, _ := c.Seek([]byte("v")); k != nil && k[0] == 'v'; k, _ = c.Next() {
		name, _, ok := bytes.Cut(k, []byte("/"))
		if v, vok := parseVersionBucketName(name); ok && vok && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// Wrapped keys are stored flat in their group's bucket as "v<N>/<recipient
// id>", so a small keyring's group buckets stay inline in one page (format
// 1 nested a bucket per version; flattenKeys converts it).
func wrappedKeyName(version uint32, rid string) []byte {
	return append(append(versionBucketName(version), '/'), rid...)
}

// dropKeyVersion deletes every wrapped copy of one version of a group key.
func dropKeyVersion(gb *bolt.Bucket, version uint32) error {
	prefix := append(versionBucketName(version), '/')
	var names [][]byte
	c := gb.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		names = append(names, append([]byte{}, k...))
	}
	for _, k := range names {
		if err := gb.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// identities returns the identities of this session: the ones that
// unlocked it (see whoAmI), else the identities given, for callers such as
// restore that open something other than this vault.
func (k *keyring) identities(tx *bolt.Tx) ([]age.Identity, error) {
	if k.ids != nil {
		return k.ids, nil
	}
	if _, err := k.whoAmI(tx); err != nil {
		if errors.Is(err, ErrWrongIdentity) && len(k.v.opts.Identities) > 0 {
			return k.v.opts.Identities, nil
		}
		return nil, err
	}
	return k.ids, nil
}

// whoAmI finds which registered recipient this session is. It tries what
// was given in the documented order (README, "Unlocking"): a passphrase
// given on purpose (PassphraseFirst: a passphrase file) against the vault's
// own passphrase identity, then the identity files, then, for a passphrase
// vault, the passphrase asked for, up to PassphraseTries times.
func (k *keyring) whoAmI(tx *bolt.Tx) (*actorInfo, error) {
	if k.actor != nil {
		return k.actor, nil
	}
	opts := k.v.opts
	blob := tx.Bucket(bMeta).Get(mPassIdentity)
	canAsk := blob != nil && opts.Passphrase != nil
	var wrong error
	try := func(ids []age.Identity) (*actorInfo, error) {
		actor, err := k.matchActor(tx, ids)
		if err != nil {
			return nil, err
		}
		k.ids, k.actor = ids, actor
		return actor, nil
	}
	if canAsk && opts.PassphraseFirst {
		ids, err := passphraseIdentities(blob, opts.Passphrase, 1)
		switch {
		case err == nil:
			if a, err := try(ids); !errors.Is(err, ErrWrongIdentity) {
				return a, err
			}
		case errors.Is(err, ErrWrongPassphrase):
			wrong = err
		default:
			return nil, err
		}
	}
	if len(opts.Identities) > 0 {
		a, err := try(opts.Identities)
		if !errors.Is(err, ErrWrongIdentity) {
			return a, err
		}
		if wrong == nil {
			wrong = err
		}
	}
	if canAsk && !opts.PassphraseFirst {
		ids, err := passphraseIdentities(blob, opts.Passphrase, max(opts.PassphraseTries, 1))
		if err != nil {
			return nil, err
		}
		return try(ids)
	}
	if wrong != nil {
		return nil, wrong
	}
	return nil, ErrNoIdentity
}

// passphraseIdentities asks for the passphrase up to tries times and opens
// the vault's passphrase-protected owner identity with it.
func passphraseIdentities(blob []byte, ask func() (string, error), tries int) ([]age.Identity, error) {
	for range tries {
		pass, err := ask()
		if err != nil {
			return nil, err
		}
		plain, err := crypto.DecryptWithPassphrase(blob, pass)
		if err != nil {
			continue
		}
		parsed, err := crypto.ParseIdentityFile(plain, nil, nil)
		clear(plain)
		return parsed, err
	}
	return nil, ErrWrongPassphrase
}

// matchActor finds the registered recipient that ids belong to.
func (k *keyring) matchActor(tx *bolt.Tx, ids []age.Identity) (*actorInfo, error) {
	rb := tx.Bucket(bRecipients)
	for _, id := range ids {
		if s := crypto.IdentityRecipient(id); s != "" {
			var info recipientInfo
			if ok, err := getJSON(rb, []byte(crypto.RecipientID(s)), &info); err != nil {
				return nil, err
			} else if ok {
				return &actorInfo{ID: crypto.RecipientID(s), Label: info.Label, Role: info.Role}, nil
			}
		}
	}
	// Identities that cannot name their recipient (SSH keys): try each
	// recipient's blob of the shipping key, which every role holds.
	ver, err := currentVersion(tx, GroupShipping)
	if err != nil {
		return nil, err
	}
	gb := tx.Bucket(bKeys).Bucket([]byte(GroupShipping))
	var found *actorInfo
	err = rb.ForEach(func(rid, data []byte) error {
		if found != nil {
			return nil
		}
		blob := gb.Get(wrappedKeyName(ver, string(rid)))
		if blob == nil {
			return nil
		}
		key, err := crypto.UnwrapKey(blob, ids)
		if err != nil {
			return nil
		}
		var info recipientInfo
		if _, err := getJSON(rb, rid, &info); err != nil {
			return err
		}
		k.remember(GroupShipping, ver, key)
		found = &actorInfo{ID: string(rid), Label: info.Label, Role: info.Role}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, ErrWrongIdentity
	}
	return found, nil
}

// key returns group's key at version, unwrapping it on first use.
func (k *keyring) key(tx *bolt.Tx, group Group, version uint32) ([]byte, error) {
	if key, ok := k.keys[group][version]; ok {
		return key, nil
	}
	actor, err := k.whoAmI(tx)
	if err != nil {
		if errors.Is(err, ErrNoIdentity) {
			return nil, &NeedRoleError{Groups: []Group{group}}
		}
		return nil, err
	}
	gb := tx.Bucket(bKeys).Bucket([]byte(group))
	if gb == nil {
		return nil, &IntegrityError{What: "the keyring has no " + string(group) + " key"}
	}
	if !slices.Contains(keyVersions(tx, group), version) {
		return nil, &IntegrityError{What: fmt.Sprintf("the keyring has no version %d of the %s key", version, group)}
	}
	blob := gb.Get(wrappedKeyName(version, actor.ID))
	if blob == nil {
		return nil, &NeedRoleError{Groups: []Group{group}, Actor: actor.Label, Role: actor.Role}
	}
	key, err := crypto.UnwrapKey(blob, k.ids)
	if err != nil {
		if errors.Is(err, crypto.ErrNoIdentityMatch) {
			return nil, &IntegrityError{What: fmt.Sprintf("the %s key wrapped to %s does not open", group, actor.Label)}
		}
		return nil, err
	}
	k.remember(group, version, key)
	return key, nil
}

func (k *keyring) currentKey(tx *bolt.Tx, group Group) ([]byte, uint32, error) {
	ver, err := currentVersion(tx, group)
	if err != nil {
		return nil, 0, err
	}
	key, err := k.key(tx, group, ver)
	return key, ver, err
}

func (k *keyring) sealer(tx *bolt.Tx, group Group, version uint32) (*crypto.Sealer, error) {
	name := string(group) + "/" + strconv.FormatUint(uint64(version), 10)
	if s, ok := k.sealers[name]; ok {
		return s, nil
	}
	key, err := k.key(tx, group, version)
	if err != nil {
		return nil, err
	}
	s, err := crypto.NewSealer(key, string(group), version)
	if err != nil {
		return nil, err
	}
	k.sealers[name] = s
	return s, nil
}

func (k *keyring) currentSealer(tx *bolt.Tx, group Group) (*crypto.Sealer, error) {
	ver, err := currentVersion(tx, group)
	if err != nil {
		return nil, err
	}
	return k.sealer(tx, group, ver)
}

func (k *keyring) indexer(tx *bolt.Tx, version uint32) (*crypto.BlindIndexer, error) {
	if ix, ok := k.indexers[version]; ok {
		return ix, nil
	}
	key, err := k.key(tx, GroupIndex, version)
	if err != nil {
		return nil, err
	}
	ix, err := crypto.NewBlindIndexer(key, version)
	if err != nil {
		return nil, err
	}
	k.indexers[version] = ix
	return ix, nil
}

// need checks up front that the session opens every group (so a command
// fails before doing anything, naming the role it needs).
func (v *Vault) need(tx *bolt.Tx, groups ...Group) error {
	var missing []Group
	var last *NeedRoleError
	for _, g := range groups {
		if _, _, err := v.keys.currentKey(tx, g); err != nil {
			var nr *NeedRoleError
			if errors.As(err, &nr) {
				missing = append(missing, g)
				last = nr
				continue
			}
			return err
		}
	}
	if len(missing) > 0 {
		return &NeedRoleError{Groups: missing, Actor: last.Actor, Role: last.Role}
	}
	return nil
}

func (v *Vault) requireRole(tx *bolt.Tx, role Role) error {
	actor, err := v.keys.whoAmI(tx)
	if err != nil {
		if errors.Is(err, ErrNoIdentity) {
			return &NeedRoleError{Groups: roleGroups[role]}
		}
		return err
	}
	if actor.Role != role && actor.Role != RoleOwner {
		return &NeedRoleError{Groups: roleGroups[role], Actor: actor.Label, Role: actor.Role}
	}
	// Hold the signing key before the transaction changes the keyring (a
	// new owner identity replaces the wrapped seed it came from).
	return v.prefetchSigner(tx)
}

// Actor names who this session is: a recipient label, or "cron" when no
// identity was given.
func (v *Vault) Actor() string {
	if v.keys.actor != nil {
		return v.keys.actor.Label
	}
	return "cron"
}

// Role is the session's role, "" before unlocking or when keyless.
func (v *Vault) Role() Role {
	if v.keys.actor != nil {
		return v.keys.actor.Role
	}
	return ""
}

// Unlock checks that the session's identities open this vault at all.
func (v *Vault) Unlock() error {
	return v.view(func(tx *bolt.Tx) error {
		_, err := v.keys.whoAmI(tx)
		return err
	})
}

package vault

import (
	"bytes"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// presentState is what a restore keeps from the vault it replaces, beside
// the access log and the erasures: its settings, its purge key and the
// owners the backup does not list.
type presentState struct {
	settings, purgeKey []byte
	// signSeeds are the carried owners' wrapped signing seeds, if any.
	signSeeds map[string][]byte
}

func readPresent(tx *bolt.Tx, carried map[string]recipientInfo) presentState {
	m := tx.Bucket(bMeta)
	ps := presentState{settings: bytes.Clone(m.Get(mSettings)), purgeKey: bytes.Clone(m.Get(mPurgeKey)), signSeeds: map[string][]byte{}}
	if gb := tx.Bucket(bKeys).Bucket([]byte(groupSign)); gb != nil {
		for rid := range carried {
			if seed := gb.Get([]byte(rid)); seed != nil {
				ps.signSeeds[rid] = bytes.Clone(seed)
			}
		}
	}
	return ps
}

// keepPresent writes into the restored copy what the present knows and the
// backup does not: the settings and the purge key as they are now (cron's
// purge key file keeps working, a rule an owner tightened stays), and every
// owner added since, with their recipient and signing key as the vault
// lists them, every key version of the copy wrapped to them. Its policy is
// signed again by an owner of the backup, as any change to it is.
func (tv *Vault) keepPresent(tx *bolt.Tx, p *RestorePlan, ps *presentState) error {
	m := tx.Bucket(bMeta)
	if ps.settings != nil {
		if err := m.Put(mSettings, ps.settings); err != nil {
			return err
		}
	}
	if ps.purgeKey != nil {
		if err := m.Put(mPurgeKey, ps.purgeKey); err != nil {
			return err
		}
	}
	rb := tx.Bucket(bRecipients)
	for _, rid := range sortedNames(p.carried) {
		info := p.carried[rid]
		r, err := crypto.ParseRecipient(info.Recipient, nil)
		if err != nil {
			return &IntegrityError{What: "the vault's recipient " + info.Label + " does not parse"}
		}
		groups := append(append([]Group(nil), AllGroups...), GroupState)
		if err := tv.wrapAllVersions(tx, groups, rid, r, ""); err != nil {
			return err
		}
		if seed := ps.signSeeds[rid]; seed != nil {
			gb, err := tx.Bucket(bKeys).CreateBucketIfNotExists([]byte(groupSign))
			if err != nil {
				return err
			}
			if err := gb.Put([]byte(rid), seed); err != nil {
				return err
			}
		}
		if err := putJSON(rb, []byte(rid), info); err != nil {
			return err
		}
	}
	return nil
}

// presentChain is the vault's signed policy chain just before a restore.
type presentChain struct {
	versions [][2][]byte // key, stored value
	latest   verifiedPolicy
}

// readPresentChain reads the vault's whole policy chain, whose newest
// version is the one this session verified at open.
func (v *Vault) readPresentChain(tx *bolt.Tx) (*presentChain, error) {
	pb := tx.Bucket(bPolicy)
	if pb == nil || v.policy == nil {
		return nil, nil
	}
	c := &presentChain{latest: *v.policy}
	err := pb.ForEach(func(k, stored []byte) error {
		c.versions = append(c.versions, [2][]byte{bytes.Clone(k), bytes.Clone(stored)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if n := len(c.versions); n == 0 || sha256Hex(c.versions[n-1][1]) != v.policy.hash {
		return nil, &IntegrityError{What: "the vault's newest policy version changed while it was open"}
	}
	return c, nil
}

// keepPresentChain puts the vault's policy chain, verbatim, in place of the
// backup's (its beginning, as PrepareRestore checked), so that what the
// restore changes is signed as versions after the vault's newest: every
// machine that verified the vault before the restore walks on to the
// restored file as to any owner's change, and a copy from before the
// restore put back from outside is older than what they verified.
func (tv *Vault) keepPresentChain(tx *bolt.Tx, c *presentChain) error {
	if tx.Bucket(bPolicy) != nil {
		if err := tx.DeleteBucket(bPolicy); err != nil {
			return err
		}
	}
	pb, err := tx.CreateBucket(bPolicy)
	if err != nil {
		return err
	}
	for _, e := range c.versions {
		if err := pb.Put(e[0], e[1]); err != nil {
			return err
		}
	}
	latest := c.latest
	tv.policy = &latest
	return nil
}

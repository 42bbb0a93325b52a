package vault

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// tamper edits the vault file directly, as someone holding no key would.
func (f *fixture) tamper(t *testing.T, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(f.path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
	must(t, db.Close())
}

func ownerID(f *fixture) string { return crypto.RecipientID(f.owner.Recipient().String()) }

// forgeSigned re-signs the newest policy's state (edited by edit) as a new
// version with key, and a head to match, as an attacker holding key would.
func forgeSigned(t *testing.T, tx *bolt.Tx, key ed25519.PrivateKey, signerID string, role Role, edit func(s *policyState)) {
	t.Helper()
	pb := tx.Bucket(bPolicy)
	k, stored := pb.Cursor().Last()
	_, body, err := crypto.OpenSigned(crypto.DomainPolicy, stored)
	if err != nil {
		t.Fatal(err)
	}
	var b policyBody
	must(t, json.Unmarshal(body, &b))
	edit(&b.policyState)
	b.Version, b.Prev, b.Signer = beUint64(k)+1, sha256Hex(stored), signerID
	nb, _ := json.Marshal(b)
	newStored := crypto.EncodeSigned(key, crypto.DomainPolicy, nb)
	must(t, pb.Put(beBytes(b.Version), newStored))
	// The file says what the forged policy says.
	rb := tx.Bucket(bRecipients)
	must(t, rb.ForEach(func(k, _ []byte) error { return nil }))
	for _, r := range b.Recipients {
		must(t, putJSON(rb, []byte(r.ID), r.recipientInfo))
	}
	a, _ := lastAudit(tx)
	h := headBody{VaultID: b.VaultID, Counter: 999, Signer: signerID, Role: role, Policy: trustedPoint{Version: b.Version, Hash: sha256Hex(newStored)}, Audit: a}
	hb, _ := json.Marshal(h)
	must(t, tx.Bucket(bMeta).Put(mHead, crypto.EncodeSigned(key, crypto.DomainHead, hb)))
}

func wantIntegrity(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, ErrIntegrity) {
		t.Fatalf("%s: err = %v, want an integrity failure (exit 7)", what, err)
	}
}

// Issue 13: whoever can write the file but holds no owner key cannot change
// who holds which key: every such edit is refused at the next open, before
// the owner's command could use (or sign) it.
func TestKeyringEditsWithoutOwnerKeyAreRefused(t *testing.T) {
	attacker, _ := age.GenerateX25519Identity()
	attackerKey, _ := crypto.IdentitySigningKey(attacker)
	attackerRID := crypto.RecipientID(attacker.Recipient().String())
	cases := map[string]func(t *testing.T, f *fixture, tx *bolt.Tx){
		"recipients entry added by hand": func(t *testing.T, f *fixture, tx *bolt.Tx) {
			must(t, putJSON(tx.Bucket(bRecipients), []byte(attackerRID), recipientInfo{Recipient: attacker.Recipient().String(), Role: RoleOwner, Label: "evil"}))
		},
		"new key version injected and made current": func(t *testing.T, f *fixture, tx *bolt.Tx) {
			key := bytes.Repeat([]byte{7}, 32)
			blob, _ := crypto.WrapKey(key, f.owner.Recipient())
			gb := tx.Bucket(bKeys).Bucket([]byte(GroupContact))
			must(t, gb.Put(wrappedKeyName(2, ownerID(f)), blob))
			must(t, gb.Put([]byte("current"), beBytes(2)))
		},
		"wrapped key replaced": func(t *testing.T, f *fixture, tx *bolt.Tx) {
			blob, _ := crypto.WrapKey(bytes.Repeat([]byte{9}, 32), f.owner.Recipient())
			must(t, tx.Bucket(bKeys).Bucket([]byte(GroupShipping)).Put(wrappedKeyName(1, ownerID(f)), blob))
		},
		"wrapped key flipped": func(t *testing.T, f *fixture, tx *bolt.Tx) {
			gb := tx.Bucket(bKeys).Bucket([]byte(GroupNotes))
			blob := bytes.Clone(gb.Get(wrappedKeyName(1, ownerID(f))))
			blob[len(blob)-3] ^= 1
			must(t, gb.Put(wrappedKeyName(1, ownerID(f)), blob))
		},
		"settings edited": func(t *testing.T, f *fixture, tx *bolt.Tx) {
			must(t, putJSON(tx.Bucket(bMeta), mSettings, Settings{ShopName: "not yours"}))
		},
		"policy link with a bad signature": func(t *testing.T, f *fixture, tx *bolt.Tx) {
			pb := tx.Bucket(bPolicy)
			k, stored := pb.Cursor().Last()
			bad := bytes.Clone(stored)
			bad[40] ^= 1
			must(t, pb.Put(beBytes(beUint64(k)+1), bad))
		},
		"policy link signed by a non-owner": func(t *testing.T, f *fixture, tx *bolt.Tx) {
			forgeSigned(t, tx, attackerKey, attackerRID, RoleOwner, func(s *policyState) {
				s.Recipients = append(s.Recipients, policyRecipient{ID: attackerRID, recipientInfo: recipientInfo{
					Recipient: attacker.Recipient().String(), Role: RoleOwner, Label: "evil",
					SigningKey: hex.EncodeToString(attackerKey.Public().(ed25519.PublicKey)), Signing: signingDerived}})
			})
		},
		"forged chain from genesis": func(t *testing.T, f *fixture, tx *bolt.Tx) {
			// Every version replaced by the attacker's, the owner listed
			// with the attacker's signing key.
			pb := tx.Bucket(bPolicy)
			_, stored := pb.Cursor().First()
			_, body, _ := crypto.OpenSigned(crypto.DomainPolicy, stored)
			var b policyBody
			must(t, json.Unmarshal(body, &b))
			for i := range b.Recipients {
				b.Recipients[i].SigningKey = hex.EncodeToString(attackerKey.Public().(ed25519.PublicKey))
			}
			must(t, tx.DeleteBucket(bPolicy))
			_, err := tx.CreateBucket(bPolicy)
			must(t, err)
			nb, _ := json.Marshal(b)
			newStored := crypto.EncodeSigned(attackerKey, crypto.DomainPolicy, nb)
			must(t, tx.Bucket(bPolicy).Put(beBytes(1), newStored))
			for _, r := range b.Recipients {
				must(t, putJSON(tx.Bucket(bRecipients), []byte(r.ID), r.recipientInfo))
			}
			a, _ := lastAudit(tx)
			h := headBody{VaultID: b.VaultID, Counter: 1, Signer: ownerID(f), Role: RoleOwner, Policy: trustedPoint{Version: 1, Hash: sha256Hex(newStored)}, Audit: a}
			hb, _ := json.Marshal(h)
			must(t, tx.Bucket(bMeta).Put(mHead, crypto.EncodeSigned(attackerKey, crypto.DomainHead, hb)))
		},
		"policy version deleted": func(t *testing.T, f *fixture, tx *bolt.Tx) {
			k, _ := tx.Bucket(bPolicy).Cursor().Last()
			must(t, tx.Bucket(bPolicy).Delete(k))
		},
		"state head deleted": func(t *testing.T, f *fixture, tx *bolt.Tx) {
			must(t, tx.Bucket(bMeta).Delete(mHead))
		},
		"state head signed by someone else": func(t *testing.T, f *fixture, tx *bolt.Tx) {
			_, body, _ := crypto.OpenSigned(crypto.DomainHead, tx.Bucket(bMeta).Get(mHead))
			must(t, tx.Bucket(bMeta).Put(mHead, crypto.EncodeSigned(attackerKey, crypto.DomainHead, body)))
		},
		"audit log cut and an audit key injected": func(t *testing.T, f *fixture, tx *bolt.Tx) {
			ab := tx.Bucket(bAudit)
			k, _ := ab.Cursor().Last()
			must(t, ab.Delete(k))
			key := bytes.Repeat([]byte{5}, 32)
			blob, _ := crypto.WrapKey(key, f.owner.Recipient())
			must(t, tx.Bucket(bKeys).Bucket([]byte(GroupAudit)).Put(wrappedKeyName(9, ownerID(f)), blob))
			must(t, tx.Bucket(bKeys).Bucket([]byte(GroupAudit)).Put([]byte("current"), beBytes(9)))
		},
		"audit entry edited and the chain recomputed": func(t *testing.T, f *fixture, tx *bolt.Tx) {
			if err := rewriteAuditChain(tx, 2, "nothing to see"); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			v := f.open(t)
			mustAdd(t, v, sampleCustomer(1))
			helper := addHelper(t, v, RoleShipping, "packing-desk")
			mustAdd(t, v, sampleCustomer(2))
			must(t, v.Close())
			f.tamper(t, func(tx *bolt.Tx) error { edit(t, f, tx); return nil })
			_, err := Open(f.path, f.opts([]age.Identity{f.owner}))
			wantIntegrity(t, err, "owner open")
			newMachine := f.opts([]age.Identity{f.owner})
			newMachine.StateDir = t.TempDir()
			_, err = Open(f.path, newMachine)
			wantIntegrity(t, err, "owner open on a new machine")
			_, err = Open(f.path, f.opts(nil))
			wantIntegrity(t, err, "keyless open (cron)")
			_, err = Open(f.path, f.opts([]age.Identity{helper}))
			wantIntegrity(t, err, "helper open")
		})
	}
}

// Issue 13: a removed owner's signing key signs nothing any more, and a
// helper cannot promote themself.
func TestRemovedOwnerAndHelperCannotSignPolicy(t *testing.T) {
	for _, role := range []Role{RoleOwner, RoleShipping} {
		t.Run(string(role), func(t *testing.T) {
			f := newFixture(t)
			v := f.open(t)
			other, _ := age.GenerateX25519Identity()
			r, err := v.AddRecipient(other.Recipient().String(), role, "other")
			if err != nil {
				t.Fatal(err)
			}
			must(t, v.Close())
			// What the other person's session holds: their signing key.
			o, err := Open(f.path, f.opts([]age.Identity{other}))
			if err != nil {
				t.Fatal(err)
			}
			var key ed25519.PrivateKey
			must(t, o.view(func(tx *bolt.Tx) error {
				key, err = o.signingKeyFor(tx, o.policy.recipient(r.ID))
				return err
			}))
			must(t, o.Close())
			if key == nil {
				t.Fatalf("the %s could not get their signing key: %v", role, err)
			}
			if role == RoleOwner {
				v = f.open(t)
				if _, _, err := v.RemoveRecipient("other"); err != nil {
					t.Fatal(err)
				}
				must(t, v.Close())
			}
			f.tamper(t, func(tx *bolt.Tx) error {
				forgeSigned(t, tx, key, r.ID, RoleOwner, func(s *policyState) {
					for i := range s.Recipients {
						s.Recipients[i].Role = RoleOwner
					}
				})
				return nil
			})
			_, err = Open(f.path, f.opts([]age.Identity{f.owner}))
			wantIntegrity(t, err, "owner open")
		})
	}
}

// Issue 13: owners change the policy; helpers' writes are signed as
// themselves and keep verifying; nothing else may change it.
func TestPolicyChangesAreSignedAndVerify(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	a := mustAdd(t, v, sampleCustomer(1))
	helper := addHelper(t, v, RoleShipping, "packing-desk")
	if err := v.SetSettings(Settings{ShopName: "Ada's"}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Rotate([]Group{GroupShipping}); err != nil {
		t.Fatal(err)
	}
	version := v.policy.body.Version
	must(t, v.Close())
	h, err := Open(f.path, f.opts([]age.Identity{helper}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Ship(a, "dhl", "", f.clock.t); err != nil {
		t.Fatal(err)
	}
	if h.head.Signer != crypto.RecipientID(helper.Recipient().String()) || h.head.Role != RoleShipping {
		t.Errorf("head after the helper's write: signer %s role %s", h.head.Signer, h.head.Role)
	}
	if _, err := h.AddRecipient(helper.Recipient().String()+"x", RoleOwner, "me"); err == nil {
		t.Error("a shipping helper added a recipient")
	}
	must(t, h.Close())
	v = f.open(t)
	if v.policy.body.Version != version {
		t.Errorf("policy version %d after the helper's session, want %d", v.policy.body.Version, version)
	}
	if rep, err := v.AuditVerify(); err != nil || rep.Pending != 0 {
		t.Errorf("audit verify: %+v %v", rep, err)
	}
	if _, err := v.Check(false); err != nil {
		t.Error(err)
	}
	must(t, v.Close())
}

// Issue 13: a helper on a new machine must pin the owner; a wrong
// fingerprint is refused; the right one is kept.
func TestTrustPinningOnANewMachine(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	helper := addHelper(t, v, RoleSupport, "support-desk")
	fps := v.OwnerFingerprints()
	must(t, v.Close())
	newMachine := f.opts([]age.Identity{helper})
	newMachine.StateDir = t.TempDir()
	var te *TrustError
	if _, err := Open(f.path, newMachine); !errors.As(err, &te) {
		t.Fatalf("unpinned helper machine: err = %v, want a TrustError (exit 3)", err)
	}
	other, _ := age.GenerateX25519Identity()
	otherKey, _ := crypto.IdentitySigningKey(other)
	wrong := newMachine
	wrong.PinOwner = crypto.Fingerprint(otherKey.Public().(ed25519.PublicKey))
	var in *InputError
	if _, err := Open(f.path, wrong); !errors.As(err, &in) {
		t.Fatalf("wrong fingerprint: err = %v, want an InputError", err)
	}
	pin := newMachine
	pin.PinOwner = fps[0]
	h, err := Open(f.path, pin)
	if err != nil {
		t.Fatal(err)
	}
	must(t, h.Close())
	h, err = Open(f.path, newMachine)
	if err != nil {
		t.Fatalf("after pinning: %v", err)
	}
	must(t, h.Close())
	// The owner's identity alone anchors trust on a new machine.
	ownerNew := f.opts([]age.Identity{f.owner})
	ownerNew.StateDir = t.TempDir()
	o, err := Open(f.path, ownerNew)
	if err != nil {
		t.Fatalf("owner on a new machine: %v", err)
	}
	must(t, o.Close())
}

// Issue 13: a vault written by format 2 reads without an owner key, refuses
// writes until an owner opens it, and is then upgraded and verifies.
func TestUpgradeFromFormat2(t *testing.T) {
	f, ids := committedFixture(t, "testdata/format2")
	path := f.path
	helper := ids("helper.txt")
	h, err := Open(path, f.opts(helper))
	if err != nil {
		t.Fatal(err)
	}
	if h.Upgraded() {
		t.Fatal("a helper upgraded the vault")
	}
	if _, err := h.ForLabels([]LabelRequest{{Alias: "5Y6QBXCRP"}}, false); err == nil {
		t.Error("a helper wrote to a format-2 vault")
	} else if te := (*TrustError)(nil); !errors.As(err, &te) {
		t.Errorf("helper write before the upgrade: err = %v, want a TrustError (exit 3)", err)
	}
	must(t, h.Close())
	o, err := Open(path, f.opts(ids("owner.txt")))
	if err != nil {
		t.Fatal(err)
	}
	if !o.Upgraded() {
		t.Fatal("the owner's open did not upgrade")
	}
	if res, err := o.Check(false); err != nil || len(res.Hints) != 0 {
		t.Fatalf("check after upgrade: %+v %v", res, err)
	}
	// The same open gave it a state key and summed its entries.
	if b := o.head.Buckets; b == nil || b.Buckets["records"].Count == 0 || b.Buckets["aliases"].Count == 0 {
		t.Fatalf("entries not summed at the upgrade: %+v", o.head.Buckets)
	}
	if rep, err := o.AuditVerify(); err != nil || rep.Pending != 0 {
		t.Fatalf("audit verify after upgrade: %+v %v", rep, err)
	}
	c, err := o.Show("5Y6QBXCRP", []string{"name"})
	if err != nil || c.Fields["name"] != "Ada Lovelace" {
		t.Fatalf("show after upgrade: %+v %v", c, err)
	}
	must(t, o.Close())
	h, err = Open(path, f.opts(helper))
	if err != nil {
		t.Fatalf("helper after upgrade: %v", err)
	}
	if _, err := h.Ship("5Y6QBXCRP", "dhl", "", f.clock.t); err != nil {
		t.Fatalf("helper write after upgrade: %v", err)
	}
	must(t, h.Close())
	k, err := Open(path, f.opts(nil))
	if err != nil {
		t.Fatalf("keyless open after upgrade: %v", err)
	}
	must(t, k.Close())
	// The helper's write kept the sums (it holds the state key too); a
	// shipment deleted from outside afterwards is found.
	o, err = Open(path, f.opts(ids("owner.txt")))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { must(t, o.Close()) }()
	if res, err := o.Check(false); err != nil || len(res.Hints) != 0 {
		t.Fatalf("check after the helper's write: %+v %v", res, err)
	}
	must(t, o.db.Update(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bShipments).Cursor().Last()
		return tx.Bucket(bShipments).Delete(k)
	}))
	if _, err := o.Check(false); !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), "shipments bucket") {
		t.Fatalf("check after a shipment was deleted: %v", err)
	}
}

// Issue 13/16: check walks the whole policy chain again, so an early
// version changed after this machine verified a later one (which the open
// skips) is still reported (exit 7).
func TestCheckWalksTheWholePolicyChain(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	addHelper(t, v, RoleSupport, "desk")
	must(t, v.Close())
	f.tamper(t, func(tx *bolt.Tx) error {
		pb := tx.Bucket(bPolicy)
		first := bytes.Clone(pb.Get(beBytes(1)))
		first[len(first)-2] ^= 1
		return pb.Put(beBytes(1), first)
	})
	v = f.open(t)
	defer func() { must(t, v.Close()) }()
	res, err := v.Check(false)
	wantIntegrity(t, err, "check")
	if len(res.Problems) == 0 || !bytes.Contains([]byte(res.Problems[0].What), []byte("signed policy")) {
		t.Fatalf("problems: %+v", res.Problems)
	}
}

// Issue 13: keyless purge signs its own transactions with the purge key
// (no key that opens customer data), so its log entries are authenticated
// at once; a head the purge key signs may cover nothing but purges.
func TestPurgeKeySignsOnlyPurges(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	old := sampleCustomer(1)
	old.Created = f.clock.t.AddDate(-3, 0, 0)
	mustAdd(t, v, old)
	mustAdd(t, v, sampleCustomer(2))
	must(t, v.Close())
	rules, err := ParseRules([]byte(ExampleRules))
	if err != nil {
		t.Fatal(err)
	}
	opts := f.opts(nil)
	opts.Purging = true
	k, err := Open(f.path, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := k.Purge(rules); err != nil || res.Erased != 1 {
		t.Fatalf("purge: %+v %v", res, err)
	}
	if k.head.Signer != purgeSigner {
		t.Fatalf("head after a keyless purge signed by %q, want the purge key", k.head.Signer)
	}
	must(t, k.Close())
	v = f.open(t)
	if rep, err := v.AuditVerify(); err != nil || rep.Pending != 0 {
		t.Fatalf("audit verify after the purge: %+v %v", rep, err)
	}
	key, err := v.loadPurgeKey(v.policy.body.PurgeKey)
	if err != nil || key == nil {
		t.Fatalf("purge key: %v", err)
	}
	must(t, v.Close())
	// Someone holding the purge key file adds a forged entry and signs.
	f.tamper(t, func(tx *bolt.Tx) error {
		ab := tx.Bucket(bAudit)
		last, _ := lastAudit(tx)
		e := AuditEntry{Seq: last.Seq + 1, Action: "show", Actor: "owner", Prev: last.Hash}
		e.Hash, _ = entryHash(e)
		must(t, putJSON(ab, beBytes(e.Seq), e))
		_, body, _ := crypto.OpenSigned(crypto.DomainHead, tx.Bucket(bMeta).Get(mHead))
		var h headBody
		must(t, json.Unmarshal(body, &h))
		h.Audit = auditPoint{Seq: e.Seq, Hash: e.Hash}
		h.Counter++
		nb, _ := json.Marshal(h)
		return tx.Bucket(bMeta).Put(mHead, crypto.EncodeSigned(key, crypto.DomainHead, nb))
	})
	v = f.open(t)
	defer func() { must(t, v.Close()) }()
	_, err = v.AuditVerify()
	wantIntegrity(t, err, "audit verify of a non-purge entry under the purge key")
	_, err = v.Check(false)
	wantIntegrity(t, err, "check")
}

// Issue 13: after an owner replaces their own identity, the new identity
// alone re-anchors trust on a new machine, and this machine keeps trusting
// the vault without a key (cron).
func TestReplacedOwnerIdentityAnchorsTrust(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	a := mustAdd(t, v, sampleCustomer(1))
	newID, _ := age.GenerateX25519Identity()
	if _, _, err := v.RotateOwnerIdentity(newID.Recipient().String(), newID); err != nil {
		t.Fatal(err)
	}
	must(t, v.Close())
	fresh := f.opts([]age.Identity{newID})
	fresh.StateDir = t.TempDir()
	n, err := Open(f.path, fresh)
	if err != nil {
		t.Fatalf("the new identity on a new machine: %v", err)
	}
	if _, err := n.Show(a, []string{"name"}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Check(false); err != nil {
		t.Fatal(err)
	}
	must(t, n.Close())
	k := f.openKeyless(t)
	must(t, k.Close())
}

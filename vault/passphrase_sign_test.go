package vault

import (
	"path/filepath"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/shopvault/shopvault/crypto"
)

const testVaultPassphrase = "copper-lantern-orbit-meadow-violin-sprocket"

// newPassphraseFixture is a vault whose owner identity is sealed inside it
// under testVaultPassphrase (init --passphrase): no identity file opens it.
func newPassphraseFixture(t *testing.T) (*fixture, *age.X25519Identity) {
	t.Helper()
	owner, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	blob, err := crypto.EncryptWithPassphrase([]byte(owner.String()+"\n"), testVaultPassphrase, &crypto.ScryptOptions{WorkFactor: 10})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{path: filepath.Join(t.TempDir(), "v.db"), state: t.TempDir(),
		clock: &clock{time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}, rand: newSeeded(42)}
	v, err := Create(f.path, CreateOptions{Options: f.opts(nil), OwnerRecipient: owner.Recipient().String(), OwnerIdentity: owner,
		OwnerLabel: "owner (passphrase)", PassphraseIdentity: blob})
	if err != nil {
		t.Fatal(err)
	}
	must(t, v.Close())
	return f, owner
}

// A passphrase unlocks the vault's own owner identity; an identity file
// given as well that is nobody here (another vault's owner) or a helper of
// this vault must not be the key the owner's writes are signed with, or
// every later keyless purge and check reads them as tampering (exit 7).
func TestPassphraseWriteSignedAsUnlockedOwner(t *testing.T) {
	for _, tc := range []struct {
		name string
		// other is the identity file in use: "stranger" or "helper".
		other string
		// first: the passphrase came from a file (tried first); otherwise
		// it is asked for only after the identity file failed.
		first bool
		actor string
	}{
		{name: "stranger, passphrase file", other: "stranger", first: true, actor: "owner (passphrase)"},
		{name: "stranger, passphrase asked", other: "stranger", first: false, actor: "owner (passphrase)"},
		{name: "helper, passphrase file", other: "helper", first: true, actor: "owner (passphrase)"},
		{name: "helper, no passphrase given", other: "helper", first: false, actor: "desk"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, _ := newPassphraseFixture(t)
			asked := 0
			ask := func() (string, error) { asked++; return testVaultPassphrase, nil }
			other, err := age.GenerateX25519Identity()
			if err != nil {
				t.Fatal(err)
			}
			setup := f.opts(nil)
			setup.Passphrase, setup.PassphraseFirst = ask, true
			v, err := Open(f.path, setup)
			if err != nil {
				t.Fatal(err)
			}
			alias, err := v.Add(sampleCustomer(0))
			if err != nil {
				t.Fatal(err)
			}
			if tc.other == "helper" {
				other = addHelper(t, v, RoleShipping, "desk")
			}
			must(t, v.Close())

			opts := f.opts([]age.Identity{other})
			opts.Passphrase, opts.PassphraseFirst = ask, tc.first
			v, err = Open(f.path, opts)
			if err != nil {
				t.Fatal(err)
			}
			if tc.actor == "desk" {
				_, err = v.Ship(alias, "gig", "ORD-1", f.clock.now())
			} else {
				_, err = v.Add(sampleCustomer(1))
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := v.Actor(); got != tc.actor {
				t.Errorf("wrote as %q, want %q", got, tc.actor)
			}
			must(t, v.Close())

			k := f.openKeyless(t)
			defer func() { must(t, k.Close()) }()
			rep, err := k.AuditVerify()
			if err != nil {
				t.Fatal(err)
			}
			if rep.Pending != 0 {
				t.Errorf("audit verify: %d entries pending owner authentication, want 0 (the write was not signed)", rep.Pending)
			}
			res, err := k.Check(true)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Problems) != 0 {
				t.Errorf("check --metadata-only: %v", res.Problems)
			}
		})
	}
}

// On a machine that trusts no owner of the vault yet, the passphrase
// unlocks the owner identity that anchors trust, whether or not an
// unrelated identity file is given too (it used to skip the passphrase
// then and refuse: "this machine does not trust any owner").
func TestPassphraseAnchorsTrustBesideAStrangerIdentity(t *testing.T) {
	for _, first := range []bool{true, false} {
		f, _ := newPassphraseFixture(t)
		stranger, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		opts := f.opts([]age.Identity{stranger})
		opts.StateDir = t.TempDir() // a new machine
		opts.Passphrase, opts.PassphraseFirst = func() (string, error) { return testVaultPassphrase, nil }, first
		v, err := Open(f.path, opts)
		if err != nil {
			t.Fatalf("passphrase first=%v: %v", first, err)
		}
		if _, err := v.Add(sampleCustomer(0)); err != nil {
			t.Fatal(err)
		}
		if got := v.Actor(); got != "owner (passphrase)" {
			t.Errorf("passphrase first=%v: wrote as %q", first, got)
		}
		must(t, v.Close())
	}
}

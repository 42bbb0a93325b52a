package vault

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// policyChain is the stored policy versions of an open vault, oldest first,
// with whether each is marked as a restore.
func policyChain(t *testing.T, v *Vault) (stored [][]byte, restored []bool) {
	t.Helper()
	must(t, v.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bPolicy).ForEach(func(_, val []byte) error {
			_, body, err := crypto.OpenSigned(crypto.DomainPolicy, val)
			if err != nil {
				return err
			}
			var b policyBody
			if err := json.Unmarshal(body, &b); err != nil {
				return err
			}
			stored, restored = append(stored, bytes.Clone(val)), append(restored, b.Restored)
			return nil
		})
	}))
	return stored, restored
}

// H2: a restore over the vault keeps the vault's policy chain byte for
// byte and signs what it changes after it (no restore mark: nothing
// forks); a restore onto a new file signs a version marked as a restore.
func TestRestoreExtendsThePresentChain(t *testing.T) {
	cases := []struct {
		name        string
		sinceBackup func(t *testing.T, v *Vault)
		newVersions bool
	}{
		{"nothing changed since the backup", func(*testing.T, *Vault) {}, false},
		{"a group rotated since the backup", func(t *testing.T, v *Vault) {
			if _, err := v.Rotate([]Group{GroupShipping}); err != nil {
				t.Fatal(err)
			}
		}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			v := f.open(t)
			mustAdd(t, v, sampleCustomer(1))
			var backup bytes.Buffer
			if _, err := v.Backup(&backup); err != nil {
				t.Fatal(err)
			}
			c.sinceBackup(t, v)
			before, _ := policyChain(t, v)
			if _, err := v.Restore(bytes.NewReader(backup.Bytes())); err != nil {
				t.Fatal(err)
			}
			after, marks := policyChain(t, v)
			if len(after) < len(before) || (len(after) > len(before)) != c.newVersions {
				t.Fatalf("restored chain has %d versions, the vault had %d (new versions wanted: %v)", len(after), len(before), c.newVersions)
			}
			for i := range before {
				if !bytes.Equal(before[i], after[i]) {
					t.Fatalf("policy version %d changed in the restore", i+1)
				}
			}
			for i, m := range marks {
				if m {
					t.Fatalf("policy version %d of a restore over the vault is marked as a restore", i+1)
				}
			}
			must(t, v.Close())

			fresh := filepath.Join(t.TempDir(), "new.db")
			opts := f.opts([]age.Identity{f.owner})
			opts.StateDir = t.TempDir()
			must(t, RestoreFresh(fresh, bytes.NewReader(backup.Bytes()), opts))
			nv, err := Open(fresh, opts)
			if err != nil {
				t.Fatalf("the new machine does not open its restored vault: %v", err)
			}
			defer func() { must(t, nv.Close()) }()
			if _, marks := policyChain(t, nv); !marks[len(marks)-1] {
				t.Fatal("a restore onto a new file signs no version marked as a restore")
			}
		})
	}
}

package vault

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
)

// plantings are what someone who can write the vault's folder leaves at
// the temp names init, compact and restore used before (PATH.init-tmp and
// so on, opened by bbolt by path) and at names like the ones they use now.
var plantings = []struct {
	name  string
	plant func(t *testing.T, at, victimFile, victimDir string)
}{
	{"link to a file", func(t *testing.T, at, victimFile, _ string) { must(t, os.Symlink(victimFile, at)) }},
	{"link to a folder", func(t *testing.T, at, _, victimDir string) { must(t, os.Symlink(victimDir, at)) }},
	{"folder with a file in it", func(t *testing.T, at, _, _ string) {
		must(t, os.Mkdir(at, 0o755))
		must(t, os.WriteFile(filepath.Join(at, "x"), []byte("x"), 0o600))
	}},
}

// plantAll plants p at the old temp name for purpose beside vaultPath and
// at one name in its new folders' pattern, and returns a function that
// fails the test if anything was written through them or left behind.
func plantAll(t *testing.T, vaultPath, purpose string, p func(t *testing.T, at, victimFile, victimDir string)) func() {
	t.Helper()
	outside := t.TempDir()
	victimFile := filepath.Join(outside, "victim.txt")
	victimDir := filepath.Join(outside, "victim")
	must(t, os.WriteFile(victimFile, []byte("untouched"), 0o600))
	must(t, os.Mkdir(victimDir, 0o700))
	old := vaultPath + "." + purpose + "-tmp"
	p(t, old, victimFile, victimDir)
	p(t, old+"-planted", victimFile, victimDir)
	return func() {
		t.Helper()
		if data, err := os.ReadFile(victimFile); err != nil || string(data) != "untouched" {
			t.Errorf("%s: the file a planted link points to now holds %q (%v)", purpose, data, err)
		}
		if entries, err := os.ReadDir(victimDir); err != nil || len(entries) != 0 {
			t.Errorf("%s: the folder a planted link points to now holds %v (%v)", purpose, entries, err)
		}
		wantNoTempLeft(t, vaultPath)
	}
}

// wantNoTempLeft fails if a temp file or folder is left beside the vault.
func wantNoTempLeft(t *testing.T, vaultPath string) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(vaultPath))
	must(t, err)
	for _, e := range entries {
		if strings.Contains(e.Name(), "-tmp") {
			t.Errorf("left beside the vault: %s", e.Name())
		}
	}
}

// Init, compact and restore build a vault file by path (bbolt follows a
// link there): each builds it in a fresh private folder, so a link or
// folder planted at the names they used before, or at names like the
// ones they use now, redirects nothing, and nothing is left behind. A
// non-empty folder at the old name used to stop compaction (and so
// purge) altogether.
func TestTempVaultsFollowNoPlantedLink(t *testing.T) {
	for _, p := range plantings {
		t.Run(p.name, func(t *testing.T) {
			f, aliases := newFixtureWithCustomers(t, 3)
			var backup bytes.Buffer
			v := f.open(t)
			_, err := v.Backup(&backup)
			must(t, err)

			verify := plantAll(t, f.path, "compact", p.plant)
			if err := v.Compact(); err != nil {
				t.Fatalf("compact with %s planted: %v", p.name, err)
			}
			verify()

			verify = plantAll(t, f.path, "restore", p.plant)
			if _, err := v.Restore(bytes.NewReader(backup.Bytes())); err != nil {
				t.Fatalf("restore with %s planted: %v", p.name, err)
			}
			verify()
			if c, err := v.Show(aliases[1], nil); err != nil || c.Fields["email"] != "ngozi1@example.ng" {
				t.Errorf("after compact and restore: %v %v", c.Fields["email"], err)
			}
			must(t, v.Close())

			fresh := filepath.Join(t.TempDir(), "v.db")
			verify = plantAll(t, fresh, "init", p.plant)
			owner, err := age.GenerateX25519Identity()
			must(t, err)
			nv, err := Create(fresh, CreateOptions{Options: f.opts(nil), OwnerRecipient: owner.Recipient().String(), OwnerIdentity: owner})
			if err != nil {
				t.Fatalf("init with %s planted: %v", p.name, err)
			}
			must(t, nv.Close())
			verify()

			elsewhere := filepath.Join(t.TempDir(), "v.db")
			verify = plantAll(t, elsewhere, "restore", p.plant)
			opts := f.opts([]age.Identity{f.owner})
			opts.StateDir = t.TempDir()
			if err := RestoreFresh(elsewhere, bytes.NewReader(backup.Bytes()), opts); err != nil {
				t.Fatalf("restore onto a new machine with %s planted: %v", p.name, err)
			}
			verify()
		})
	}
}

// A temp vault's folder is new, private (0700) and inside the vault's
// folder (a rename into place stays on its file system); remove takes it
// with its content, which is how every error path leaves nothing.
func TestTempVaultFolder(t *testing.T) {
	vaultPath := filepath.Join(t.TempDir(), "v.db")
	a, err := newTempVault(vaultPath, "compact")
	must(t, err)
	b, err := newTempVault(vaultPath, "restore")
	must(t, err)
	if a.dir == b.dir {
		t.Fatalf("two temp vaults share the folder %s", a.dir)
	}
	for _, tv := range []*tempVault{a, b} {
		st, err := os.Lstat(tv.dir)
		must(t, err)
		if !st.IsDir() || st.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v, want a folder with 0700", tv.dir, st.Mode())
		}
		if filepath.Dir(tv.dir) != filepath.Dir(vaultPath) || filepath.Dir(tv.path) != tv.dir {
			t.Errorf("temp vault %s is not in a folder of its own beside %s", tv.path, vaultPath)
		}
		must(t, os.WriteFile(tv.path, []byte("sealed"), 0o600))
		tv.remove()
		if _, err := os.Lstat(tv.dir); !os.IsNotExist(err) {
			t.Errorf("%s is still there after remove: %v", tv.dir, err)
		}
	}
	// a folder a killed run left is removed by the next run of its kind
	left, err := newTempVault(vaultPath, "compact")
	must(t, err)
	must(t, os.WriteFile(left.path, []byte("sealed"), 0o600))
	next, err := newTempVault(vaultPath, "compact")
	must(t, err)
	defer next.remove()
	if _, err := os.Lstat(left.dir); !os.IsNotExist(err) {
		t.Errorf("the folder a killed compaction left is still there: %v", err)
	}
}

// Every error path removes the folder: a refused restore leaves nothing
// beside the vault.
func TestRefusedRestoreLeavesNoTempFolder(t *testing.T) {
	f, _ := newFixtureWithCustomers(t, 1)
	v := f.open(t)
	defer func() { must(t, v.Close()) }()
	if _, err := v.Restore(strings.NewReader("not a backup")); err == nil {
		t.Fatal("restored garbage")
	}
	wantNoTempLeft(t, f.path)
	elsewhere := filepath.Join(t.TempDir(), "v.db")
	if err := RestoreFresh(elsewhere, strings.NewReader("not a backup"), f.opts([]age.Identity{f.owner})); err == nil {
		t.Fatal("restored garbage onto a new machine")
	}
	wantNoTempLeft(t, elsewhere)
}

package vault

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
)

// Red team: a link planted at the lock file's name (the vault's folder is
// shared with a helper's account, README step 5) is refused: shopvault
// creates nothing where it points (an empty retention.toml there would
// make cron's purge take no rules).
func TestLockFileLinkIsRefused(t *testing.T) {
	f := newFixture(t)
	target := filepath.Join(t.TempDir(), "retention.toml")
	must(t, os.Remove(f.path+".lock"))
	must(t, os.Symlink(target, f.path+".lock"))
	for who, ids := range map[string][]age.Identity{"cron": nil, "the owner": {f.owner}} {
		v, err := Open(f.path, f.opts(ids))
		if err == nil {
			must(t, v.Close())
			t.Fatalf("%s opened the vault through a link at its lock file", who)
		}
		if !strings.Contains(err.Error(), "symbolic link") || !strings.Contains(err.Error(), "delete it") {
			t.Errorf("%s: the refusal does not say what is wrong and what to do: %v", who, err)
		}
		if _, serr := os.Lstat(target); serr == nil {
			t.Fatalf("%s's open created %s through a link planted at the lock file", who, target)
		}
	}
}

package vault

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"testing"

	"github.com/shopvault/shopvault/internal/vaultfixture"
)

// gunzipFixture reads a committed vault stored gzip-compressed (vault files
// are never tracked as .db: the before-stop hook refuses them).
func gunzipFixture(t testing.TB, path string) []byte {
	t.Helper()
	data, err := vaultfixture.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The committed vaults are what earlier binaries wrote: the upgrade tests
// prove nothing if a fixture is re-made by today's code or damaged when
// re-compressed. These are the sums of the files as those binaries wrote
// them (testdata/README says how to add one).
func TestCommittedFixturesAreUnchanged(t *testing.T) {
	want := map[string]string{
		"format2":       "329061dba8529e25f79f6f79c679b759422bb6201f8fe948fe9dd51caec9c5fc",
		"format3":       "2a05b3c440da3d049c195f8ae87416c7bb61d6389e5c6942c2a2ba07228e5573",
		"format3-purge": "3f1eaa889a27c6be4ba98c8787d358e7023cec1aa494d24179d7cb24137cf805",
		"format4":       "6c7461cf383662bc97289718740f342da68de9d106909ecbb6e2ad3cf0f5e36e",
	}
	found, err := filepath.Glob("testdata/*/v.db.gz")
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != len(want) {
		t.Errorf("committed vaults %v, want one per entry of %v: add the new one's sum here", found, want)
	}
	for dir, sum := range want {
		data := gunzipFixture(t, filepath.Join("testdata", dir, "v.db.gz"))
		got := sha256.Sum256(data)
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("testdata/%s/v.db.gz decompresses to sha256 %x, want %s", dir, got, sum)
		}
	}
}

package vault

import (
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"
)

// seeded is deterministic randomness for tests; safe for one goroutine.
type seeded struct {
	mu sync.Mutex
	r  *rand.ChaCha8
}

func newSeeded(seed byte) *seeded {
	var s [32]byte
	s[0] = seed
	return &seeded{r: rand.NewChaCha8(s)}
}

func (s *seeded) Read(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.r.Read(p)
}

// clock is a settable fake clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

type fixture struct {
	path  string
	state string // this machine's state directory (trust files)
	owner *age.X25519Identity
	clock *clock
	rand  *seeded
	// purgeKey, when a test needs it, is the purge key an attacker copied.
	purgeKey []byte
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	owner, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{path: filepath.Join(t.TempDir(), "v.db"), state: t.TempDir(), owner: owner,
		clock: &clock{time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}, rand: newSeeded(42)}
	v, err := Create(f.path, CreateOptions{Options: f.opts(nil), OwnerRecipient: owner.Recipient().String(), OwnerIdentity: owner})
	if err != nil {
		t.Fatal(err)
	}
	must(t, v.Close())
	return f
}

func (f *fixture) opts(ids []age.Identity) Options {
	return Options{Now: f.clock.now, Rand: f.rand, Identities: ids, LockWait: 2 * time.Second, StateDir: f.state, PurgeKeyDir: f.state}
}

// open opens as the owner.
func (f *fixture) open(t testing.TB) *Vault {
	t.Helper()
	v, err := Open(f.path, f.opts([]age.Identity{f.owner}))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// openKeyless opens with no identity, as cron does.
func (f *fixture) openKeyless(t testing.TB) *Vault {
	t.Helper()
	v, err := Open(f.path, f.opts(nil))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// newFixtureWithCustomers is a fixture vault holding sampleCustomer(0..n-1),
// closed; aliases are theirs in that order.
func newFixtureWithCustomers(t testing.TB, n int) (f *fixture, aliases []string) {
	t.Helper()
	f = newFixture(t)
	v := f.open(t)
	defer func() { must(t, v.Close()) }()
	batch := make([]NewCustomer, n)
	for i := range batch {
		batch[i] = sampleCustomer(i)
	}
	aliases, err := v.AddAll(batch)
	if err != nil {
		t.Fatal(err)
	}
	return f, aliases
}

// addHelper adds a new X25519 identity as a recipient of v with role and
// label, and returns it.
func addHelper(t testing.TB, v *Vault, role Role, label string) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.AddRecipient(id.Recipient().String(), role, label); err != nil {
		t.Fatal(err)
	}
	return id
}

func sampleCustomer(i int) NewCustomer {
	return NewCustomer{Fields: map[string]string{
		"name": "Ngozi Okafor " + strconv.Itoa(i), "email": "ngozi" + strconv.Itoa(i) + "@example.ng", "phone": "+234 803 555 " + pad4(i),
		"line1": strconv.Itoa(i) + " Awolowo Road", "city": "Ikoyi", "region": "Lagos", "postcode": "101233", "country": "NG", "note": "blue gate " + strconv.Itoa(i),
	}}
}

func pad4(i int) string {
	s := strconv.Itoa(i % 10000)
	for len(s) < 4 {
		s = "0" + s
	}
	return s
}

// rewriteAuditChain is the attacker who edits the action of audit entry
// seq and recomputes every hash and link after it, as anyone who can
// write the file can: only the signed head (or the old MAC) can tell.
func rewriteAuditChain(tx *bolt.Tx, seq uint64, action string) error {
	ab := tx.Bucket(bAudit)
	prev := ""
	return ab.ForEach(func(k, data []byte) error {
		var e AuditEntry
		if err := json.Unmarshal(data, &e); err != nil {
			return err
		}
		if e.Seq == seq {
			e.Action = action
		}
		e.Prev = prev
		var err error
		if e.Hash, err = entryHash(e); err != nil {
			return err
		}
		prev = e.Hash
		return putJSON(ab, k, e)
	})
}

// must fails the test on err: setup and tampering steps whose failure
// would leave a test passing without testing anything.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

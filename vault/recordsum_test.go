package vault

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/crypto"
)

// cronScene is a vault as cron finds it after one kind of honest history:
// victims are customers the rules do not take, one of them edited by the
// owner after earlier (the records bucket before that edit) was taken.
type cronScene struct {
	f       *fixture
	victims []string
	earlier map[string][]byte
	// erases is how many customers an honest purge takes now.
	erases int
}

// cronSetups are the histories keyless purge must verify from: a head an
// owner signed, statements of an earlier purge waiting, a shipping
// person's head (alone, or as a statement in the chain after a purge), a
// rotation, an import.
var cronSetups = []string{"owner head", "earlier purge waiting", "shipping head", "shipping while statements wait", "after rotate", "after import"}

func newCronScene(t *testing.T, kind string) *cronScene {
	t.Helper()
	f := newFixture(t)
	v := f.open(t)
	s := &cronScene{f: f, erases: 1}
	for i := 1; i <= 3; i++ {
		s.victims = append(s.victims, mustAdd(t, v, sampleCustomer(i)))
	}
	mustAdd(t, v, oldCustomer(f, 9))
	helper := addHelper(t, v, RoleShipping, "packing-desk")
	s.earlier = snapshotIn(t, v, bRecords)
	if _, err := v.Edit(s.victims[0], map[string]string{"city": "Lekki"}); err != nil {
		t.Fatal(err)
	}
	switch kind {
	case "earlier purge waiting", "shipping while statements wait":
		// Due two days from now: the second run has one to erase.
		nearly := sampleCustomer(8)
		nearly.Created = f.clock.t.AddDate(-2, 0, 1)
		mustAdd(t, v, nearly)
	case "after rotate":
		if _, err := v.Rotate([]Group{GroupShipping}); err != nil {
			t.Fatal(err)
		}
	case "after import":
		rows, _ := NewRowReader(strings.NewReader("name,phone\nAda Obi,+44 20 7946 0001\nBola Ade,+234 803 555 9001\n"), "", nil)
		if _, err := v.Import(rows, ImportOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	must(t, v.Close())
	switch kind {
	case "earlier purge waiting", "shipping while statements wait":
		if res, err := purgeAsCron(t, f, exampleRules(t), 0); err != nil || res.Erased != 1 {
			t.Fatalf("the earlier purge: %+v %v", res, err)
		}
		if kind == "shipping while statements wait" {
			shipAsHelper(t, f, helper, s.victims[1])
		}
		f.clock.t = f.clock.t.Add(48 * time.Hour)
	case "shipping head":
		shipAsHelper(t, f, helper, s.victims[1])
	}
	return s
}

// recordAttacks are what someone holding no key does to the records
// before cron's purge, so that it erases someone or acts on metadata no
// person signed.
var recordAttacks = map[string]func(t *testing.T, s *cronScene, tx *bolt.Tx){
	"one record back-dated": func(t *testing.T, s *cronScene, tx *bolt.Tx) { backdate(t, tx, s.victims[1]) },
	"every record back-dated": func(t *testing.T, s *cronScene, tx *bolt.Tx) {
		for _, a := range s.victims {
			backdate(t, tx, a)
		}
	},
	"a record deleted": func(t *testing.T, s *cronScene, tx *bolt.Tx) {
		must(t, tx.Bucket(bRecords).Delete(recordKeyOf(t, tx, s.victims[2])))
	},
	"a record inserted": func(t *testing.T, s *cronScene, tx *bolt.Tx) {
		rb := tx.Bucket(bRecords)
		k := recordKeyOf(t, tx, s.victims[2])
		val := bytes.Clone(rb.Get(k))
		k = bytes.Clone(k)
		k[len(k)-1] ^= 1
		must(t, rb.Put(k, val))
	},
	"a record rolled back": func(t *testing.T, s *cronScene, tx *bolt.Tx) {
		k := recordKeyOf(t, tx, s.victims[0])
		must(t, tx.Bucket(bRecords).Put(bytes.Clone(k), s.earlier[string(k)]))
	},
}

// recordKeyOf is the records key of the customer with alias a.
func recordKeyOf(t *testing.T, tx *bolt.Tx, a string) []byte {
	t.Helper()
	c := tx.Bucket(bRecords).Cursor()
	for k, val := c.First(); k != nil; k, val = c.Next() {
		if m, err := decodeMeta(val); err == nil && crypto.FormatAlias(m.Alias) == a {
			return k
		}
	}
	t.Fatalf("no record with alias %s", a)
	return nil
}

// Issue 13 item 2: cron recounts the records sum with no key before it
// acts. After any honest history it purges; after records changed from
// outside (metadata back-dated, a record deleted, inserted or rolled back)
// its purge, dry run and keyless check exit 7 and the file is not touched:
// nobody is erased, nothing is logged.
func TestKeylessPurgeVerifiesRecords(t *testing.T) {
	for _, kind := range cronSetups {
		t.Run(kind+"/honest", func(t *testing.T) {
			s := newCronScene(t, kind)
			if res, err := purgeAsCron(t, s.f, exampleRules(t), 0); err != nil || res.Erased != s.erases {
				t.Fatalf("purge: %+v %v, want %d erased", res, err, s.erases)
			}
			wantCheckOK(t, s.f, "check after the purge")
		})
		for name, attack := range recordAttacks {
			t.Run(kind+"/"+name, func(t *testing.T) {
				s := newCronScene(t, kind)
				s.f.tamper(t, func(tx *bolt.Tx) error { attack(t, s, tx); return nil })
				before, err := os.ReadFile(s.f.path)
				if err != nil {
					t.Fatal(err)
				}
				res, err := purgeAsCron(t, s.f, exampleRules(t), 0)
				wantIntegrity(t, err, "keyless purge")
				if res.Erased != 0 || !namesRecords(err.Error()) || !strings.Contains(err.Error(), "nothing was changed") {
					t.Errorf("purge: %+v %v", res, err)
				}
				k, err := Open(s.f.path, s.f.opts(nil))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := k.Plan(exampleRules(t), nil); err == nil {
					t.Error("the dry run planned from changed records")
				}
				if res, err := k.Check(true); !namesProblem(res, "records bucket") && !namesProblem(res, "shipping person") {
					t.Errorf("keyless check --metadata-only: %+v %v", res.Problems, err)
				}
				must(t, k.Close())
				if after := mustRead(t, s.f.path); !bytes.Equal(before, after) {
					t.Fatal("the refused purge changed the file")
				}
			})
		}
	}
}

// namesRecords: a refusal names the records bucket, or, when cron starts
// from a shipping person's head, the records that head lists.
func namesRecords(msg string) bool {
	return strings.Contains(msg, "records bucket") || strings.Contains(msg, "shipping person")
}

func namesProblem(res CheckResult, what string) bool {
	for _, p := range res.Problems {
		if strings.Contains(p.What, what) {
			return true
		}
	}
	return false
}

// A format-5 vault marked format 4 (so that cron would not recount its
// records, as in format 4) is refused at every open: its heads name
// format 5.
func TestFormat5MarkedFormat4IsRefused(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	victim := mustAdd(t, v, sampleCustomer(1))
	must(t, v.Close())
	f.tamper(t, func(tx *bolt.Tx) error {
		backdate(t, tx, victim)
		return tx.Bucket(bMeta).Put(mFormat, []byte(format4))
	})
	_, err := purgeAsCron(t, f, exampleRules(t), 0)
	wantIntegrity(t, err, "keyless purge of a vault marked format 4")
	if !strings.Contains(err.Error(), "meta/format") {
		t.Errorf("the refusal does not name the format entry: %v", err)
	}
	_, err = Open(f.path, f.opts([]age.Identity{f.owner}))
	wantIntegrity(t, err, "owner open")
}

package vault

import (
	"bytes"
	"os"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// recaliasLink is the records-derived link that makes alias a one of
// record id's other aliases (not summed: check derives it).
func recaliasLink(id, alias []byte) []byte { return append(bytes.Clone(id), alias...) }

// primaryAliasKey is the canonical alias key of the customer whose
// formatted alias is a.
func primaryAliasKey(t *testing.T, tx *bolt.Tx, a string) []byte {
	t.Helper()
	m, err := decodeMeta(tx.Bucket(bRecords).Get(recordKeyOf(t, tx, a)))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(m.Alias)
}

// Keyless check --metadata-only compares recaliases with the records and
// alias entries (plaintext): a link from one customer to another's alias
// is a problem it names.
func TestRedTeamKeylessCheckSeesRecaliasLink(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	old := mustAdd(t, v, oldCustomer(f, 1))
	bystander := mustAdd(t, v, sampleCustomer(2))
	must(t, v.Close())
	f.tamper(t, func(tx *bolt.Tx) error {
		return tx.Bucket(bRecAliases).Put(recaliasLink(recordKeyOf(t, tx, old), primaryAliasKey(t, tx, bystander)), nil)
	})
	k := f.openKeyless(t)
	defer func() { must(t, k.Close()) }()
	res, err := k.Check(true)
	if err == nil || len(res.Problems) == 0 {
		t.Fatalf("keyless check --metadata-only says ok with a recaliases link to another customer's alias: %+v %v", res, err)
	}
	t.Logf("keyless check: %+v", res.Problems)
}

// Red team: a link in recaliases (derived, in no sum) from a customer the
// rules erase to another customer's alias made cron's purge mark that
// other customer's alias erased, found only afterwards. An erasure now
// refuses it, cron's and forget alike: exit 7, nothing written, the
// other customer untouched.
func TestErasureRefusesAForeignAliasLink(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	old := mustAdd(t, v, oldCustomer(f, 1))
	bystander := mustAdd(t, v, sampleCustomer(2))
	must(t, v.Close())
	f.tamper(t, func(tx *bolt.Tx) error {
		return tx.Bucket(bRecAliases).Put(recaliasLink(recordKeyOf(t, tx, old), primaryAliasKey(t, tx, bystander)), nil)
	})
	before, err := os.ReadFile(f.path)
	must(t, err)
	res, err := purgeAsCron(t, f, exampleRules(t), 0)
	wantIntegrity(t, err, "cron's purge")
	if res.Erased != 0 || !strings.Contains(err.Error(), "alias") {
		t.Errorf("purge: %+v %v", res, err)
	}
	if after, _ := os.ReadFile(f.path); !bytes.Equal(before, after) {
		t.Error("the refused purge changed the file")
	}
	o := f.open(t)
	defer func() { must(t, o.Close()) }()
	_, err = o.Forget(old)
	wantIntegrity(t, err, "the owner's forget")
	if _, err := o.Show(bystander, []string{"name"}); err != nil {
		t.Fatalf("the other customer: %v", err)
	}
	if _, err := o.Show(old, []string{"name"}); err != nil {
		t.Fatalf("the customer whose erasure was refused: %v", err)
	}
}

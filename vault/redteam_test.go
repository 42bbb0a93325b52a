package vault

import (
	"bytes"
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

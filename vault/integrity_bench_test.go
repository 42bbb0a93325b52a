package vault

import (
	"testing"

	"filippo.io/age"
)

// BenchmarkOpenShowClose is what format 3 adds to every command: the policy
// and head checked at open, the head signed at the write.
func BenchmarkOpenShowClose(b *testing.B) {
	f := newFixture(b)
	v := f.open(b)
	a, _ := v.Add(sampleCustomer(1))
	must(b, v.Close())
	for b.Loop() {
		v, err := Open(f.path, f.opts([]age.Identity{f.owner}))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := v.Show(a, []string{"name"}); err != nil {
			b.Fatal(err)
		}
		must(b, v.Close())
	}
}

package vault

import (
	"os"
	"testing"

	"filippo.io/age"
)

// BenchmarkImport10k imports a 10k-row CSV (set SHOPVAULT_BENCH_CSV).
func BenchmarkImport10k(b *testing.B) {
	path := os.Getenv("SHOPVAULT_BENCH_CSV")
	if path == "" {
		b.Skip("set SHOPVAULT_BENCH_CSV to a CSV from gen_customers.py")
	}
	for b.Loop() {
		b.StopTimer()
		f := newFixture(b)
		v, _ := Open(f.path, f.opts([]age.Identity{f.owner}))
		in, _ := os.Open(path)
		rows, _ := NewRowReader(in, "", nil)
		b.StartTimer()
		if _, err := v.Import(rows, ImportOptions{}); err != nil {
			b.Fatal(err)
		}
		must(b, v.Close())
		must(b, in.Close())
	}
}

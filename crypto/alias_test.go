package crypto

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// seededRand is a deterministic randomness source for tests.
type seededRand struct{ r *rand.ChaCha8 }

func newSeeded(seed byte) *seededRand {
	var s [32]byte
	s[0] = seed
	return &seededRand{rand.NewChaCha8(s)}
}

func (s *seededRand) Read(p []byte) (int, error) { return s.r.Read(p) }

// Issue 4: the check character catches any single mistyped character.
// Exhaustive for sample aliases: every position, every other symbol.
func TestAliasCheckCatchesEverySingleSubstitution(t *testing.T) {
	rng := newSeeded(1)
	for n := 0; n < 50; n++ {
		a, err := MintAlias(rng)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseAlias(a); err != nil {
			t.Fatalf("minted alias %s does not parse: %v", a, err)
		}
		for i := 0; i < len(a); i++ {
			for _, c := range crockford {
				if byte(c) == a[i] {
					continue
				}
				typo := a[:i] + string(c) + a[i+1:]
				if _, err := ParseAlias(typo); !errors.Is(err, ErrAliasCheck) {
					t.Fatalf("alias %s with position %d changed to %c: got %v, want ErrAliasCheck", a, i, c, err)
				}
			}
		}
	}
}

func TestAliasCheckCatchesNeighbourSwaps(t *testing.T) {
	rng := newSeeded(2)
	for n := 0; n < 200; n++ {
		a, _ := MintAlias(rng)
		for i := 0; i+1 < aliasDataLen; i++ {
			if a[i] == a[i+1] {
				continue
			}
			b := []byte(a)
			b[i], b[i+1] = b[i+1], b[i]
			if _, err := ParseAlias(string(b)); !errors.Is(err, ErrAliasCheck) {
				t.Fatalf("swap at %d in %s not caught: %v", i, a, err)
			}
		}
	}
}

func TestParseAliasForgivesHowPeopleType(t *testing.T) {
	a, _ := MintAlias(newSeeded(3))
	f := FormatAlias(a)
	confusable := strings.NewReplacer("1", "l", "0", "O").Replace(strings.ToLower(f))
	for _, in := range []string{a, f, strings.ToLower(f), strings.ReplaceAll(f, "-", " "), confusable, " " + f} {
		got, err := ParseAlias(in)
		if err != nil || got != a {
			t.Errorf("ParseAlias(%q) = %q, %v; want %q", in, got, err, a)
		}
	}
}

func TestParseAliasRejectsMalformed(t *testing.T) {
	for _, in := range []string{"", "K7QM", "K7QM-4TXR-ZZ", "K7QM-4TXR-U", "NOSUCH-ALIAS", "ÄÄÄÄ-ÄÄÄÄ-Ä", "K7QM_4TXR_Z"} {
		if _, err := ParseAlias(in); !errors.Is(err, ErrAliasMalformed) {
			t.Errorf("ParseAlias(%q) = %v, want ErrAliasMalformed", in, err)
		}
	}
}

func TestMintAliasIsRandomNotDerived(t *testing.T) {
	seen := map[string]bool{}
	rng := newSeeded(4)
	for i := 0; i < 10000; i++ {
		a, _ := MintAlias(rng)
		if seen[a] {
			t.Fatalf("duplicate alias after %d draws: %s", i, a)
		}
		seen[a] = true
	}
	if _, err := MintAlias(bytes.NewReader(nil)); err == nil {
		t.Fatal("MintAlias with no randomness succeeded")
	}
}

func FuzzParseAlias(f *testing.F) {
	for _, s := range []string{"K7QM-4TXR-Z", "k7qm4txrz", "IIII-OOOO-L", "", "----", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseAlias(s)
		if err != nil {
			return
		}
		if len(c) != AliasLen {
			t.Fatalf("canonical %q has length %d", c, len(c))
		}
		again, err := ParseAlias(FormatAlias(c))
		if err != nil || again != c {
			t.Fatalf("canonical %q does not round-trip: %q %v", c, again, err)
		}
	})
}

func BenchmarkMintAlias(b *testing.B) {
	rng := newSeeded(5)
	for b.Loop() {
		if _, err := MintAlias(rng); err != nil {
			b.Fatal(err)
		}
	}
}

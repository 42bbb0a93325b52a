package passpolicy

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// Issue 16: the estimator finds the pieces a cracker tries first. Each
// case names the kind that must be found and an upper bound on log10 of
// the guesses.
func TestEstimateFindsPieces(t *testing.T) {
	ctx := []string{"Mama Put Kitchen"}
	tests := []struct {
		pass     string
		kind     Kind
		maxLog10 float64
	}{
		{"dragon", CommonPassword, 2},
		{"correcthorsebatterystaple", CommonPassword, 3},
		{"Tr0ub4dor&3xyz", CommonPassword, 6},
		{"MamaPutKitchen2026!", ContextWord, 8},
		{"myshopvault", ContextWord, 8},
		{"Lagos!Yaba#2024", DictionaryWord, 14},
		{"p4ssw0rd-dr4g0n", CommonPassword, 9},
		{"yrettab", DictionaryWord, 5},
		{"jennifer", Name, 4},
		{"qwertyuiop", Keyboard, 4},
		{"1qaz2wsx3edc", Keyboard, 7},
		{strings.Repeat("a", 16), Repeat, 3},
		{"hunter2hunter2hunter2", Repeat, 5},
		{"abcdefghijklmnop", Sequence, 3},
		{"97531", Sequence, 3},
		{"1987", Year, 3},
	}
	for _, tt := range tests {
		r := Estimate(tt.pass, ctx)
		if !slices.Contains(r.Kinds, tt.kind) {
			t.Errorf("Estimate(%q) kinds = %v, want %v among them", tt.pass, r.Kinds, tt.kind)
		}
		if r.Log10Guesses > tt.maxLog10 {
			t.Errorf("Estimate(%q) = 10^%.1f guesses, want at most 10^%.0f", tt.pass, r.Log10Guesses, tt.maxLog10)
		}
	}
}

func TestEstimateStrong(t *testing.T) {
	tests := []struct {
		pass     string
		minLog10 float64
	}{
		{"copper-lantern-orbit-meadow-violin-sprocket", 20},
		{"skylight-poet-moody-cod-concert-shrapnel", 20},
		{"k8#Lq2!vZp0wXyT", 15},
	}
	for _, tt := range tests {
		if r := Estimate(tt.pass, nil); r.Log10Guesses < tt.minLog10 {
			t.Errorf("Estimate(%q) = 10^%.1f guesses (%v), want at least 10^%.0f", tt.pass, r.Log10Guesses, r.Kinds, tt.minLog10)
		}
	}
}

func TestContextWordsComeFromTheCaller(t *testing.T) {
	without := Estimate("AdunniFabrics2026", nil)
	with := Estimate("AdunniFabrics2026", []string{"Adunni Fabrics"})
	if with.Log10Guesses >= without.Log10Guesses-3 || !slices.Contains(with.Kinds, ContextWord) {
		t.Fatalf("shop name did not count: without 10^%.1f, with 10^%.1f %v", without.Log10Guesses, with.Log10Guesses, with.Kinds)
	}
}

func TestUpperVariations(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want float64
	}{{"word", 1}, {"Word", 2}, {"WORD", 2}, {"worD", 2}, {"WoRd", 10}, {"1234", 1}} {
		if got := upperVariations([]rune(tt.s)); got != tt.want {
			t.Errorf("upperVariations(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func FuzzEstimate(f *testing.F) {
	for _, s := range []string{"", "a", "password", "Tr0ub4dor&3", "ÄÖÜ-ß-日本語", strings.Repeat("ab", 80), "qaz!@#$%^&*()"} {
		f.Add(s, "Mama Put Kitchen")
	}
	f.Fuzz(func(t *testing.T, pass, shop string) {
		if !utf8.ValidString(pass) {
			return
		}
		r := Estimate(pass, []string{shop})
		if r.Log10Guesses < 0 || r.Log10Guesses != r.Log10Guesses {
			t.Fatalf("Estimate(%q) = %v", pass, r.Log10Guesses)
		}
		for _, k := range r.Kinds {
			if k.Describe() == "" {
				t.Fatalf("kind %d has no description", k)
			}
		}
	})
}

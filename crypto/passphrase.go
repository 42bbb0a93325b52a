package crypto

import (
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/sethvargo/go-diceware/diceware"

	"github.com/shopvault/shopvault/crypto/internal/passpolicy"
	"github.com/shopvault/shopvault/internal/words"
)

// Passphrase policy, after NIST SP 800-63B: at least 12 characters, and
// not made of what a cracker tries first. passpolicy estimates the guesses
// from common and breached passwords, dictionary words and names (also in
// leet and reversed), the shop's name, keyboard walks, repeats, sequences
// and years. The passphrase guards a key offline: scrypt slows a thief with
// the vault file but does not stop one, so we ask for 10^14 guesses (a
// year and more of a GPU farm against scrypt); a generated six-word
// passphrase needs about 10^24.
const (
	minPassphraseRunes = 12
	minPassphraseLog10 = 14
	passphraseWords    = 6 // from the EFF large list: 6 * 12.9 = 77 bits
)

// CheckPassphrase returns nil or an error wrapping ErrWeakPassphrase that
// says why. context holds words an attacker who knows this vault tries
// first (the shop's name). It costs a few milliseconds, all at call time.
func CheckPassphrase(pass string, context []string) error {
	if n := utf8.RuneCountInString(pass); n < minPassphraseRunes {
		return fmt.Errorf("%w: it has %d characters, want at least %d", ErrWeakPassphrase, n, minPassphraseRunes)
	}
	r := passpolicy.Estimate(pass, context)
	if r.Log10Guesses >= minPassphraseLog10 {
		return nil
	}
	why := "it is too short to resist trying every combination"
	if len(r.Kinds) > 0 {
		var parts []string
		for _, k := range r.Kinds {
			parts = append(parts, k.Describe())
		}
		why = "it is made of " + words.Join(parts, "and")
	}
	return fmt.Errorf("%w: %s, which an attacker tries first (about 10^%.0f guesses, want 10^%d)", ErrWeakPassphrase, why, math.Floor(r.Log10Guesses), minPassphraseLog10)
}

// GeneratePassphrase returns a diceware passphrase of six words from the EFF
// large word list, drawn from rand, joined by hyphens. The list's few
// hyphenated words (yo-yo, t-shirt) are drawn again, so the passphrase is
// always six hyphen-separated words, as the person is told.
func GeneratePassphrase(rand io.Reader) (string, error) {
	g, err := diceware.NewGenerator(&diceware.GeneratorInput{RandReader: rand})
	if err != nil {
		return "", err
	}
	words := make([]string, 0, passphraseWords)
	for len(words) < passphraseWords {
		w, err := g.Generate(1)
		if err != nil {
			return "", err
		}
		if !strings.Contains(w[0], "-") {
			words = append(words, w[0])
		}
	}
	return strings.Join(words, "-"), nil
}

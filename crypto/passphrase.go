package crypto

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/sethvargo/go-diceware/diceware"
	"github.com/shopvault/shopvault/crypto/internal/zxcvbn"
)

// Passphrase policy: zxcvbn (a port of Dropbox's estimator) scores how a
// cracker would guess it: dictionary words, names, keyboard walks, dates and
// "Word123" patterns count for little. We ask for its top score and at least
// 12 characters; since the passphrase guards a key offline (scrypt slows but
// does not stop a thief with the vault file), nothing weaker is safe.
const (
	minPassphraseRunes = 12
	minPassphraseScore = 4
	// passphraseWords from the EFF large list give 6 * 12.9 = 77 bits.
	passphraseWords = 6
)

// CheckPassphrase returns nil or an error wrapping ErrWeakPassphrase that
// says why. userInputs (shop name, vault path) count as known words.
func CheckPassphrase(pass string, userInputs []string) error {
	if utf8.RuneCountInString(pass) < minPassphraseRunes {
		return fmt.Errorf("%w: it has %d characters, want at least %d", ErrWeakPassphrase, utf8.RuneCountInString(pass), minPassphraseRunes)
	}
	m := zxcvbn.PasswordStrength(pass, userInputs)
	if m.Score < minPassphraseScore {
		return fmt.Errorf("%w: made of common words, names or patterns (estimated time to guess: %s)", ErrWeakPassphrase, m.CrackTimeDisplay)
	}
	return nil
}

// GeneratePassphrase returns a diceware passphrase of six words from the EFF
// large word list, drawn from rand.
func GeneratePassphrase(rand io.Reader) (string, error) {
	g, err := diceware.NewGenerator(&diceware.GeneratorInput{RandReader: rand})
	if err != nil {
		return "", err
	}
	words, err := g.Generate(passphraseWords)
	if err != nil {
		return "", err
	}
	return strings.Join(words, "-"), nil
}

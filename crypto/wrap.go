package crypto

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"filippo.io/age/plugin"
)

// WrapKey encrypts a key to one recipient as a small binary age file. One
// blob per recipient: age refuses to mix post-quantum and classic recipients
// in one file, and separate blobs make adding or removing a person local.
func WrapKey(key []byte, r age.Recipient) ([]byte, error) {
	blob, err := EncryptBytes(key, r)
	if err != nil {
		return nil, fmt.Errorf("wrap key: %w", err)
	}
	return blob, nil
}

// EncryptBytes encrypts data to recipients as a standard (binary) age file.
func EncryptBytes(data []byte, recipients ...age.Recipient) ([]byte, error) {
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, recipients...)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// UnwrapKey decrypts a wrapped key with any of the identities.
func UnwrapKey(blob []byte, ids []age.Identity) ([]byte, error) {
	// DecryptReaderAt authenticates the payload's one chunk as it opens,
	// without the streaming reader's two 64 KiB buffers that Decrypt
	// allocates and zeroes (find unwraps two keys per process; issue 16).
	r, size, err := age.DecryptReaderAt(bytes.NewReader(blob), int64(len(blob)), ids...)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, ErrNoIdentityMatch
		}
		return nil, fmt.Errorf("unwrap key: %w", err)
	}
	if size != KeySize {
		return nil, fmt.Errorf("unwrap key: wrapped key has %d bytes, want %d", size, KeySize)
	}
	key := make([]byte, KeySize)
	if n, err := r.ReadAt(key, 0); n != KeySize || (err != nil && err != io.EOF) {
		return nil, fmt.Errorf("unwrap key: %w", err)
	}
	return key, nil
}

// ParseRecipient accepts every recipient shopvault can wrap keys to: X25519
// (age1…), the post-quantum hybrid (age1pq1…), SSH public keys (ssh-ed25519,
// ssh-rsa) and age plugins (age1yubikey1…, age1tpm1…, whose binary
// age-plugin-NAME must be on PATH when keys are wrapped).
func ParseRecipient(s string, ui *plugin.ClientUI) (age.Recipient, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "age1pq1"):
		return age.ParseHybridRecipient(s)
	case strings.HasPrefix(s, "age1") && strings.Count(s, "1") >= 2 && !isPlainX25519(s):
		return plugin.NewRecipient(s, ui)
	case strings.HasPrefix(s, "age1"):
		return age.ParseX25519Recipient(s)
	case strings.HasPrefix(s, "ssh-"):
		return agessh.ParseRecipient(s)
	}
	return nil, errors.New("unknown recipient type: want age1…, age1pq1…, an age plugin recipient or an SSH public key")
}

// isPlainX25519 tells an X25519 recipient (age1 + 58 symbols) from a plugin
// recipient (age1NAME1…).
func isPlainX25519(s string) bool {
	_, err := age.ParseX25519Recipient(s)
	return err == nil
}

// RecipientID is a short stable identifier for a recipient string, used as
// the key of its wrapped-key blobs.
func RecipientID(recipient string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(recipient)))
	return hex.EncodeToString(sum[:8])
}

// IdentityRecipient returns the recipient string of identities that know it
// (X25519, hybrid, plugin), so the matching blob can be picked without trial
// decryption; "" otherwise.
func IdentityRecipient(id age.Identity) string {
	switch i := id.(type) {
	case *age.X25519Identity:
		return i.Recipient().String()
	case *age.HybridIdentity:
		return i.Recipient().String()
	case *plugin.Identity:
		return i.Recipient().String()
	}
	return ""
}

// GenerateIdentity returns a new owner identity: X25519, or the post-quantum
// hybrid when pq is set. age draws its own randomness from crypto/rand.
func GenerateIdentity(pq bool) (identity string, recipient string, err error) {
	if pq {
		id, err := age.GenerateHybridIdentity()
		if err != nil {
			return "", "", err
		}
		return id.String(), id.Recipient().String(), nil
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return "", "", err
	}
	return id.String(), id.Recipient().String(), nil
}

// ErrNeedPassphrase is returned by ParseIdentityFile for a passphrase
// protected identity file when no passphrase source was given.
var ErrNeedPassphrase = errors.New("identity file is passphrase protected")

// ParseIdentityFile reads an identity file: age identities (X25519, hybrid,
// plugin AGE-PLUGIN-…), an SSH private key, or an identity file encrypted
// with a passphrase (age -p), for which passphrase is called.
func ParseIdentityFile(data []byte, ui *plugin.ClientUI, passphrase func() (string, error)) ([]age.Identity, error) {
	text := string(data)
	switch {
	case strings.HasPrefix(text, "age-encryption.org/"):
		if passphrase == nil {
			return nil, ErrNeedPassphrase
		}
		pass, err := passphrase()
		if err != nil {
			return nil, err
		}
		plain, err := DecryptWithPassphrase(data, pass)
		if err != nil {
			return nil, err
		}
		return ParseIdentityFile(plain, ui, nil)
	case strings.Contains(text, "-----BEGIN"):
		id, err := agessh.ParseIdentity(data)
		if err != nil {
			return nil, fmt.Errorf("ssh identity: %w", err)
		}
		// Kept with its bytes so a signing key can be derived from it.
		return []age.Identity{&sshIdentity{Identity: id, secret: bytes.Clone(data)}}, nil
	}
	var ids []age.Identity
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		switch {
		case strings.HasPrefix(line, "AGE-PLUGIN-"):
			id, err := plugin.NewIdentity(line, ui)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n+1, err)
			}
			ids = append(ids, id)
		default:
			parsed, err := age.ParseIdentities(strings.NewReader(line))
			if err != nil {
				// age's messages never include the key itself.
				return nil, fmt.Errorf("line %d: not an age identity", n+1)
			}
			ids = append(ids, parsed...)
		}
	}
	if len(ids) == 0 {
		return nil, errors.New("no identities found in the file")
	}
	return ids, nil
}

// ScryptOptions tune age's scrypt recipient; a zero WorkFactor keeps age's
// own default (only tests lower it).
type ScryptOptions struct{ WorkFactor int }

// EncryptWithPassphrase encrypts data to a passphrase with age's scrypt
// recipient (work factor as age sets it; opts lowers it only in tests).
func EncryptWithPassphrase(data []byte, pass string, opts *ScryptOptions) ([]byte, error) {
	r, err := age.NewScryptRecipient(pass)
	if err != nil {
		return nil, err
	}
	if opts != nil && opts.WorkFactor > 0 {
		r.SetWorkFactor(opts.WorkFactor)
	}
	return EncryptBytes(data, r)
}

// DecryptWithPassphrase opens data encrypted by EncryptWithPassphrase or age -p.
func DecryptWithPassphrase(data []byte, pass string) ([]byte, error) {
	id, err := age.NewScryptIdentity(pass)
	if err != nil {
		return nil, err
	}
	r, err := age.Decrypt(bytes.NewReader(data), id)
	if err != nil {
		return nil, ErrNoIdentityMatch
	}
	return io.ReadAll(r)
}

// EncryptTo streams plaintext to recipients as a standard age file.
func EncryptTo(dst io.Writer, recipients ...age.Recipient) (io.WriteCloser, error) {
	return age.Encrypt(dst, recipients...)
}

// DecryptFrom opens a standard age file.
func DecryptFrom(src io.Reader, ids ...age.Identity) (io.Reader, error) {
	r, err := age.Decrypt(src, ids...)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, ErrNoIdentityMatch
		}
		return nil, err
	}
	return r, nil
}

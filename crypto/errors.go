// Package crypto holds shopvault's key hierarchy: group keys wrapped with age,
// per-field sealing with XChaCha20-Poly1305, blind indexes, alias minting and
// passphrase policy. It composes age, golang.org/x/crypto and the standard
// library; it implements no primitive of its own.
package crypto

import "errors"

// ErrAliasMalformed means the text cannot be an alias at all (wrong length or
// characters outside Crockford base32).
var ErrAliasMalformed = errors.New("not a valid alias")

// ErrAliasCheck means the alias is well formed but its check character does
// not match: almost always a typo.
var ErrAliasCheck = errors.New("alias check character does not match")

// ErrOpen means a sealed value did not authenticate: wrong key, wrong record,
// wrong field, or tampered bytes.
var ErrOpen = errors.New("sealed value does not authenticate")

// ErrSealedFormat means the bytes are not a sealed record this version knows.
var ErrSealedFormat = errors.New("unknown sealed value format")

// ErrNoIdentityMatch means none of the given identities can unwrap a key.
var ErrNoIdentityMatch = errors.New("no identity matches")

// ErrWeakPassphrase means a passphrase was refused by the strength policy.
var ErrWeakPassphrase = errors.New("passphrase too weak")

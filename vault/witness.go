package vault

import (
	"encoding/json"
	"fmt"
	"time"
)

// witness is the newest state head one machine saw of one vault, kept in
// the trust file outside the vault (docs/format.md, "Rollback witness"), as
// Certificate Transparency clients keep the last tree head they saw. A
// file whose head is older than that, or differs from it at the same write
// counter, was replaced as a whole by an older copy or a fork of one.
type witness struct {
	Counter uint64    `json:"counter"`
	Head    string    `json:"head"` // hex SHA-256 of the stored meta/head value
	Seen    time.Time `json:"seen"`
}

// decodeWitness reads the trust file's witness field; nil when this
// machine has seen no head of the vault yet.
func decodeWitness(raw json.RawMessage) (*witness, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var w witness
	if err := json.Unmarshal(raw, &w); err != nil || w.Head == "" {
		return nil, &IntegrityError{What: "this machine's trust file for the vault has a rollback witness that does not decode"}
	}
	return &w, nil
}

func (w *witness) encode() json.RawMessage {
	data, _ := json.Marshal(w)
	return data
}

// check compares the head found in the file with the one this machine saw.
func (w *witness) check(counter uint64, head string) error {
	if w == nil {
		return nil
	}
	switch {
	case counter < w.Counter:
		return &RollbackError{Seen: w.Counter, Found: counter, SeenAt: w.Seen}
	case counter == w.Counter && head != w.Head:
		return &RollbackError{Seen: w.Counter, Found: counter, SeenAt: w.Seen, Fork: true}
	}
	return nil
}

// advance moves the witness to a newer head; it reports whether anything
// changed (so an unchanged trust file is not rewritten). Restore, which
// goes back deliberately, uses reset instead.
func (w *witness) advance(counter uint64, head string, now time.Time) (*witness, bool) {
	if w != nil && (counter < w.Counter || (counter == w.Counter && head == w.Head)) {
		return w, false
	}
	return &witness{Counter: counter, Head: head, Seen: now.UTC()}, true
}

// RollbackError means the vault file is older than the state this machine
// saw: someone replaced it with an older copy (or a copy of an older copy
// that was written to since).
type RollbackError struct {
	Seen, Found uint64
	SeenAt      time.Time
	Fork        bool
}

func (e *RollbackError) Error() string {
	if e.Fork {
		return fmt.Sprintf("the vault file's state at write %d differs from the one this machine saw at that write on %s: the file was replaced by another copy", e.Found, e.SeenAt.Format(time.DateOnly))
	}
	return fmt.Sprintf("the vault file is at write %d, older than write %d this machine saw on %s: someone replaced it with an older copy", e.Found, e.Seen, e.SeenAt.Format(time.DateOnly))
}

// Unwrap makes errors.Is(err, ErrIntegrity) hold.
func (e *RollbackError) Unwrap() error { return ErrIntegrity }

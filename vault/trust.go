package vault

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/shopvault/shopvault/vault/atomicfile"
)

// trustFile is what one machine keeps about one vault, outside the vault
// file: the owners it trusts (pinned signing-key fingerprints), the newest
// policy it verified, and the newest state head it saw. An attacker who can
// write the vault file cannot change it, which is what makes it a root of
// trust (docs/format.md, "Trust").
type trustFile struct {
	Owners []string      `json:"owners"`
	Policy *trustedPoint `json:"policy,omitempty"`
	// Witness is the newest state head this machine saw (kept for the
	// whole-file rollback check; its owner is the restore code).
	Witness json.RawMessage `json:"witness,omitempty"`
}

// trustedPoint names one signed statement by version and hash.
type trustedPoint struct {
	Version uint64 `json:"version"`
	Hash    string `json:"hash"`
}

// trustPath is where this machine keeps what it trusts about a vault;
// "" when the vault runs without a state directory (nothing is pinned).
func (v *Vault) trustPath(vaultID []byte) string {
	if v.opts.StateDir == "" || len(vaultID) == 0 {
		return ""
	}
	return filepath.Join(v.opts.StateDir, "trust", hex.EncodeToString(vaultID)+".json")
}

func (v *Vault) loadTrust(vaultID []byte) (*trustFile, error) {
	t := &trustFile{}
	p := v.trustPath(vaultID)
	if p == "" {
		return t, nil
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return t, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read trust file: %w", err)
	}
	if err := json.Unmarshal(data, t); err != nil {
		return nil, &TrustError{What: "the trust file " + p + " does not decode", Reason: TrustFileUnreadable}
	}
	return t, nil
}

// saveTrust writes the trust file atomically.
func (v *Vault) saveTrust(vaultID []byte, t *trustFile) error {
	p := v.trustPath(vaultID)
	if p == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("write trust file: %w", err)
	}
	data, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(p, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write trust file: %w", err)
	}
	return nil
}

// pin adds fingerprints to t; it reports whether anything was new.
func (t *trustFile) pin(fps ...string) bool {
	changed := false
	for _, fp := range fps {
		if !slices.Contains(t.Owners, fp) {
			t.Owners = append(t.Owners, fp)
			changed = true
		}
	}
	return changed
}

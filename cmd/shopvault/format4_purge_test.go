package main

import (
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopvault/shopvault/crypto"
	"github.com/shopvault/shopvault/internal/vaultfixture"
)

// A format-4 vault (vault/testdata/format4, written by the shopvault of
// 2026-11-23) on cron's machine: keyless purge still runs, and says once
// on stderr that it cannot verify the metadata before it acts; after the
// owner's first writable open upgrades the vault to format 5 it verifies,
// and says nothing.
func TestFormat4PurgeSaysItCannotVerify(t *testing.T) {
	h := newCLIHarness(t)
	h.now = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	fixture := filepath.Join("..", "..", "vault", "testdata", "format4")
	old, err := vaultfixture.Read(filepath.Join(fixture, "v.db.gz"))
	must(t, err)
	must(t, os.WriteFile(h.vault, old, 0o600))
	must(t, os.WriteFile(h.owner, mustRead(t, filepath.Join(fixture, "owner.txt")), 0o600))
	keys, err := filepath.Glob(filepath.Join(fixture, "purge-*.key"))
	if err != nil || len(keys) != 1 {
		t.Fatalf("the fixture's purge key: %v %v", keys, err)
	}
	conf := filepath.Join(h.vars["XDG_CONFIG_HOME"], "shopvault")
	must(t, os.MkdirAll(conf, 0o700))
	must(t, os.WriteFile(filepath.Join(conf, filepath.Base(keys[0])), mustRead(t, keys[0]), 0o600))
	ids, err := crypto.ParseIdentityFile(mustRead(t, h.owner), nil, nil)
	must(t, err)
	key, err := crypto.IdentitySigningKey(ids[0])
	must(t, err)
	h.ok("", "trust", "add", crypto.Fingerprint(key.Public().(ed25519.PublicKey)))

	const note = "cannot be verified by purge before it acts"
	code, out, errs := h.run("", "purge", "--apply", "--rules", h.rules)
	if code != 0 || strings.Count(errs, note) != 1 || !strings.Contains(out, "1 customer erased") {
		t.Fatalf("keyless purge of format 4: exit %d, want 0, one note on stderr: %s%s", code, out, errs)
	}
	h.ok(h.owner, "show", "3XMJ-FA7D-4")
	code, out, errs = h.run("", "purge", "--apply", "--rules", h.rules)
	if code != 0 || strings.Contains(errs, note) {
		t.Fatalf("keyless purge after the owner's upgrade: exit %d: %s%s", code, out, errs)
	}
}

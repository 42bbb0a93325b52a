package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// childEnv is the environment of a shopvault child process in a test: the
// test's own environment without anything shopvault reads to find its
// folders or vault (HOME, XDG_*, SHOPVAULT_*), with every folder under
// home instead (the state folder where HOME alone would put it), then
// extra. A developer's own XDG_STATE_HOME made trust
// files land in their real state folder, and their SHOPVAULT_VAULT would
// point a test at their real vault.
func childEnv(home string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "HOME" || strings.HasPrefix(k, "XDG_") || strings.HasPrefix(k, "SHOPVAULT_") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "SHOPVAULT_TEST_AS_BINARY=1", "HOME="+home,
		"XDG_DATA_HOME="+home, "XDG_CONFIG_HOME="+home, "XDG_STATE_HOME="+filepath.Join(home, ".local", "state"))
	return append(env, extra...)
}

func TestChildEnvIgnoresTheDevelopersFolders(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "/real/state")
	t.Setenv("XDG_CONFIG_HOME", "/real/config")
	t.Setenv("SHOPVAULT_VAULT", "/real/vault.db")
	t.Setenv("SHOPVAULT_IDENTITY", "/real/id.txt")
	home := t.TempDir()
	seen := map[string]string{}
	for _, kv := range childEnv(home, "SHOPVAULT_VAULT="+filepath.Join(home, "v.db")) {
		k, v, _ := strings.Cut(kv, "=")
		if old, dup := seen[k]; dup {
			t.Errorf("%s set twice (%q, %q): which one wins depends on the platform", k, old, v)
		}
		seen[k] = v
		if strings.HasPrefix(v, "/real/") {
			t.Errorf("%s=%s reaches the child", k, v)
		}
	}
	for _, k := range []string{"HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "SHOPVAULT_VAULT"} {
		if !strings.HasPrefix(seen[k], home) {
			t.Errorf("%s = %q, want a folder under %s", k, seen[k], home)
		}
	}
	if _, ok := seen["SHOPVAULT_IDENTITY"]; ok {
		t.Error("the developer's SHOPVAULT_IDENTITY reaches the child")
	}
	if seen["PATH"] != os.Getenv("PATH") {
		t.Error("PATH is not passed on")
	}
}

package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault"
)

// restoreOptions are restore's flags.
type restoreOptions struct {
	Yes bool // do not ask on the terminal
}

// restoreRun restores the backup in file: over the vault at --vault
// (saying what is lost and asking first), or where there is none yet.
func restoreRun(env *Env, g *Global, o *restoreOptions, file string) error {
	path := g.vaultPath(env)
	_, statErr := os.Stat(path)
	if statErr == nil && !o.Yes && !env.StdinIsTTY {
		return usageErr("restore replaces the vault; run it on a terminal to see what the backup holds and confirm, or pass --yes (nothing was changed)")
	}
	f, err := os.Open(file)
	if err != nil {
		return &exitError{code: exitOther, msg: "cannot open " + file, hint: "check the file name"}
	}
	defer func() { _ = f.Close() }() // read only: nothing to lose
	if errors.Is(statErr, os.ErrNotExist) {
		return restoreFresh(env, g, path, f)
	}
	g.restoring = true
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		return restoreOver(env, g, o, v, f)
	})
}

// restoreFresh puts a backup where no vault is (a new machine).
func restoreFresh(env *Env, g *Global, path string, backup *os.File) error {
	ids, err := g.loadIdentities(env)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return vault.ErrNoIdentity
	}
	opts := vault.Options{Now: env.Now, Rand: env.Rand, LockWait: max(g.Wait, time.Millisecond), Identities: ids, StateDir: env.stateDir()}
	if err := vault.RestoreFresh(path, backup, opts); err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "restored %s\n", path)
	return nil
}

// restoreOver replaces the open vault v with the backup, once confirmed.
func restoreOver(env *Env, g *Global, o *restoreOptions, v *vault.Vault, backup *os.File) error {
	plan, err := v.PrepareRestore(backup)
	if err != nil {
		return err
	}
	defer plan.Discard()
	sumOut := env.Out
	if g.JSON {
		sumOut = env.ErrOut
	}
	printRestoreSummary(sumOut, plan.Summary)
	if !o.Yes {
		ans, err := readLine(env, "Replace the current vault with this backup? Type yes: ")
		if err != nil {
			return err
		}
		if strings.TrimSpace(strings.ToLower(ans)) != "yes" {
			return &exitError{code: exitOther, msg: "not confirmed", hint: "nothing was changed"}
		}
	}
	res, err := v.ApplyRestore(plan)
	if err != nil {
		return err
	}
	if g.JSON {
		return printJSON(env.Out, struct {
			vault.RestoreResult
			Summary vault.RestoreSummary `json:"summary"`
		}{res, plan.Summary})
	}
	fmt.Fprintf(env.Out, "restored %s; %s re-applied; %s kept\n", words.Count(res.Customers, "customer"), words.Count(res.Reapplied, "erasure"), words.Count(res.LogKept, "access-log entry"))
	return nil
}

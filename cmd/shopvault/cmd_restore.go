package main

import (
	"errors"
	"fmt"
	"io"
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
	fromStdin := file == "-"
	// With -, standard input carries the backup: the person who would
	// answer is not on it, so replacing a vault needs --yes.
	if statErr == nil && !o.Yes && fromStdin {
		return usageErr("restore - reads the backup from standard input, so it cannot ask there whether to replace the vault; pass --yes, or pass the backup's file name to see what it holds and confirm (nothing was changed)")
	}
	if statErr == nil && !o.Yes && !env.StdinIsTTY {
		return usageErr("restore replaces the vault; run it on a terminal to see what the backup holds and confirm, or pass --yes (nothing was changed)")
	}
	var backup io.Reader = env.In
	if !fromStdin {
		f, err := os.Open(file)
		if err != nil {
			return &exitError{code: exitOther, msg: "cannot open " + file, hint: "check the file name, or pass - to read the backup from standard input"}
		}
		defer func() { _ = f.Close() }() // read only: nothing to lose
		backup = f
	}
	if errors.Is(statErr, os.ErrNotExist) {
		return restoreFresh(env, g, path, backup)
	}
	g.restoring = true
	return g.withVault(env, writeWithKeys, func(v *vault.Vault) error {
		return restoreOver(env, g, o, v, backup)
	})
}

// restoreFresh puts a backup where no vault is (a new machine).
func restoreFresh(env *Env, g *Global, path string, backup io.Reader) error {
	ids, err := g.loadIdentities(env)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return vault.ErrNoIdentity
	}
	opts := vault.Options{Now: env.Now, Rand: env.Rand, LockWait: max(g.Wait, time.Millisecond), Identities: ids, StateDir: env.stateDir()}
	if err := vault.RestoreFresh(path, backup, opts); err != nil {
		return g.nameImplicitIdentity(env, err)
	}
	fmt.Fprintf(env.Out, "restored %s\n", path)
	return nil
}

// restoreOver replaces the open vault v with the backup, once confirmed.
func restoreOver(env *Env, g *Global, o *restoreOptions, v *vault.Vault, backup io.Reader) error {
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
	fmt.Fprintf(env.Out, "restored %s; %s re-applied; %s written since the backup kept\n",
		words.Count(res.Customers, "customer"), words.Count(res.Reapplied, "erasure"), words.Count(res.LogSince, "access-log entry"))
	return nil
}

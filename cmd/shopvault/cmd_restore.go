package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault"
)

func newRestoreCmd(env *Env, g *Global) *cobra.Command {
	var o restoreOptions
	c := &cobra.Command{
		Use:   "restore FILE.age|-",
		Short: "Replace the vault with a backup, keeping what happened since",
		Long: `Replace the vault with a backup made by shopvault backup. Owner only: the
backup must be a copy of this vault, signed by its owners, whose access log
agrees with the vault's own, and must list the identity restoring it as an
owner; a copy someone else changed and encrypted to the owner's public key is
refused (exit 7) before anything changes. A file older than this machine has
seen (put back by someone) is replaced too: restore is the deliberate way back.

Restoring keeps what the present knows: every customer erased since is erased
again, people removed since stay removed (the keys they held are rotated), keys
rotated since are rotated again, owners keep the identities they use now, the
settings and the purge key stay as they are now, and the access log keeps every
entry written since the backup; the restore is logged with the owner's name.
A backup is encrypted to the owners' identities of the day it was made: after
rotate --identity-out, pass the old identity file beside the new one
(--identity old.txt --identity new.txt). Before replacing
anything it says what the backup holds and what would be lost (its date, its
customer count, customers added since) and asks on a terminal; --yes for
scripts; without a terminal and without --yes it refuses (exit 2) and changes
nothing. The current vault is kept as VAULT.before-restore until the restored
one is in place; restore refuses to write through a link or over anything in
that place. A file that is not a shopvault backup is refused (exit 5).
With - the backup is read from standard input (as backup -o - writes it);
replacing a vault then needs --yes, since standard input is not the person.

Helpers' machines accept the restored vault as they accept any change of the
owner's. With no vault at --vault (a new machine), the backup is restored as
it is, if the identity given is an owner it lists, and this machine then
trusts that owner. A helper's machine that saw the vault after the backup is
then told who restored it and when, and accepts it with
trust add --after-restore FINGERPRINT once the owner confirmed it.`,
		Example: `  shopvault restore /media/usb/shopvault-2026-11-01.age
  shopvault restore backup.age --yes --vault new-laptop.db
  ssh shop-pc 'shopvault backup -o -' | shopvault restore - --yes`,
		Args: exactArgs(1, "FILE.age|-"),
		RunE: func(c *cobra.Command, args []string) error {
			return restoreRun(env, g, &o, args[0])
		},
	}
	c.Flags().BoolVar(&o.Yes, "yes", false, "do not ask for confirmation")
	return c
}

// printRestoreSummary says what a backup holds and what restoring it loses.
func printRestoreSummary(w io.Writer, s vault.RestoreSummary) {
	fmt.Fprintf(w, "backup: the vault as of %s, %s (the vault has %d now)\n", s.StateAsOf.Local().Format("2006-01-02 15:04"), words.Count(s.Customers, "customer"), s.CurrentCustomers)
	fmt.Fprintf(w, "would be lost: %s added since the backup, and every change made since to the others\n", words.Count(s.AddedSince, "customer"))
	if len(s.LostRecipients) > 0 {
		fmt.Fprintf(w, "would be lost: people added since (add them again with recipients add): %s\n", strings.Join(s.LostRecipients, ", "))
	}
	fmt.Fprintf(w, "kept: %s re-applied, %s written since the backup\n", words.Count(s.ErasuresToReapply, "erasure"), words.Count(s.LogEntriesSince, "access-log entry"))
	if len(s.KeptRemoved) > 0 {
		fmt.Fprintf(w, "kept: people removed since stay removed: %s\n", strings.Join(s.KeptRemoved, ", "))
	}
	if len(s.KeptOwners) > 0 {
		fmt.Fprintf(w, "kept: owners as they are now, with the identities they use now: %s\n", strings.Join(s.KeptOwners, ", "))
	}
	if len(s.ReplacedOwners) > 0 {
		fmt.Fprintf(w, "kept: identities replaced since stay out: the old identity of %s\n", strings.Join(s.ReplacedOwners, ", "))
	}
	if s.KeptSettings {
		fmt.Fprintln(w, "kept: the settings as they are now (the backup's differ)")
	}
	if s.KeptPurgeKey {
		fmt.Fprintln(w, "kept: the purge key as it is now (cron's purge key file keeps working)")
	}
	if len(s.RotateGroups) > 0 {
		fmt.Fprintf(w, "keys rotated again after the restore: %s\n", joinNames(s.RotateGroups, ", "))
	}
}

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

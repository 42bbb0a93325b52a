package main

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"

	"github.com/shopvault/shopvault/crypto"
	"github.com/shopvault/shopvault/vault"
	"github.com/shopvault/shopvault/vault/atomicfile"
)

// Exit codes, the same for every command (README and --help list them).
const (
	exitOK        = 0
	exitOther     = 1
	exitUsage     = 2
	exitKey       = 3
	exitLocked    = 4
	exitRefused   = 5
	exitNotFound  = 6
	exitIntegrity = 7
	// exitPartial: a batch (import, label -, ship -) did the good rows or
	// lines and refused the others, each named.
	exitPartial = 8
	// exitInterrupted is the shell's code for a death by SIGINT, used when
	// Ctrl-C stopped the work cleanly.
	exitInterrupted = 130
)

const exitCodeHelp = `Exit codes:
  0  success
  1  any other error
  2  usage error (flags, arguments)
  3  no identity or passphrase given, or it cannot open what the command needs (the message names the role)
  4  the vault is in use by another shopvault process (after waiting --wait)
  5  input refused: invalid, or data the vault does not keep (card numbers, national IDs); nothing was written
  6  no such customer or alias (unknown, revoked, expired, erased, or a typo caught by the check character)
  7  integrity failure: tampered or corrupt data, a broken audit chain
  8  some rows or lines of a batch (import, label -, ship -) were refused, each named; the others were done
130  stopped by Ctrl-C (rotate stops between batches and says how to finish)`

// trustHints say what to do about each vault.TrustReason.
var trustHints = map[vault.TrustReason]string{
	vault.TrustUnpinned:       "run a command once with the owner's identity (for example shopvault list --identity FILE), or pin the owner's fingerprint (printed by recipients add and on the recovery sheet): shopvault trust add FINGERPRINT",
	vault.TrustNotUpgraded:    "run any command once with the owner's identity to upgrade",
	vault.TrustFileUnreadable: "restore it from a backup of this machine, or delete it and pin the owner again with shopvault trust add FINGERPRINT",
	vault.TrustNoPurgeKey:     "put the purge key file back from a copy, or have an owner issue a new one there: shopvault purge-key",
	vault.TrustPurgeWaits:     "run any command that writes (e.g. shopvault check) once with the owner's identity, then purge again",
	vault.TrustNeedsPerson:    "run it with an identity (--identity or SHOPVAULT_IDENTITY)",
}

// hintSeeHelp is the hint of a usage error; report names the command that
// was run in it.
const hintSeeHelp = "see shopvault --help"

// exitError is an error with its exit code and a hint naming what to do next.
type exitError struct {
	code int
	msg  string
	hint string
	line int // the batch line it is about, if any
}

func (e *exitError) Error() string { return e.msg }

func usageErr(format string, args ...any) error {
	return &exitError{code: exitUsage, msg: fmt.Sprintf(format, args...), hint: hintSeeHelp}
}

// classify maps library errors to an exit code, a message and a hint. The
// libraries never put customer data in errors; this adds none.
func classify(err error) *exitError {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee
	}
	var nf *vault.NotFoundError
	var in *vault.InputError
	var nr *vault.NeedRoleError
	var ie *vault.IntegrityError
	var notVault *vault.NotVaultError
	var noVault *vault.NoVaultError
	var re *vault.RoleError
	var way *vault.ErrInTheWay
	var rb *vault.RollbackError
	var restored *vault.RestoredError
	var te *vault.TrustError
	var ur *vault.UnfinishedRotationError
	var sf *vault.StateFileError
	var implicit *implicitIdentityError
	switch {
	case errors.As(err, &sf):
		return &exitError{code: exitOther, msg: sf.Error(),
			hint: "make sure this machine's state folder ($XDG_STATE_HOME/shopvault, usually ~/.local/state/shopvault) is writable and has space, then run any command with your identity to save it again"}
	case errors.As(err, &ur):
		cause := classify(ur.Err)
		return &exitError{code: cause.code, msg: ur.Done + ", but rotating the keys failed: " + cause.msg,
			hint: "run shopvault rotate (with the owner identity you use now) to finish it"}
	case errors.As(err, &te):
		return &exitError{code: exitKey, msg: te.What, hint: trustHints[te.Reason]}
	case errors.As(err, &re):
		return &exitError{code: exitKey, msg: re.Error(), hint: "run it with the identity of someone who has that role (--identity), or ask an owner"}
	case errors.As(err, &restored):
		return &exitError{code: exitIntegrity, msg: restored.Error(),
			hint: fmt.Sprintf("if %s did restore it, check with them that their fingerprint is %s (shopvault trust show on their machine), then run: shopvault trust add --after-restore %s; if nobody restored it, do not write to this vault", restored.By, restored.Fingerprint, restored.Fingerprint)}
	case errors.As(err, &rb):
		return &exitError{code: exitIntegrity, msg: rb.Error(), hint: "do not write to this file; if you meant to go back to an older copy, restore it deliberately with shopvault restore BACKUP, which this machine then remembers"}
	case errors.As(err, &way):
		return &exitError{code: exitOther, msg: way.Error(), hint: "move it elsewhere, then run restore again; nothing was changed"}
	case errors.As(err, &nf):
		hint := "check the alias, or find the customer with shopvault find"
		switch nf.Reason {
		case vault.NotFoundCheck:
			hint = "the check character caught a mistyped character; compare the alias with the label and type it again"
		case vault.NotFoundErased:
			hint = "the customer's data was deleted and cannot be brought back"
		case vault.NotFoundRevoked, vault.NotFoundExpired:
			hint = "use the customer's primary alias, or issue a new one with shopvault alias issue"
		case vault.NotFoundNoMatch:
			hint = "matching is exact after normalisation; try another field (--email, --phone, --name)"
		}
		return &exitError{code: exitNotFound, msg: nf.Error(), hint: hint}
	case errors.As(err, &in):
		hint := "nothing was written; fix the value and try again"
		var dup *vault.DuplicateError
		switch {
		case errors.As(err, &dup):
			hint = fmt.Sprintf("nothing was written; it is probably the same person: see them with shopvault show %s, or change them with shopvault edit %s; if it is another person sharing it (a family), add again with --allow-duplicate", dup.Alias, dup.Alias)
		case in.Hint != "":
			hint = in.Hint
		case errors.Is(err, vault.ErrNoCountry):
			hint = "add --country NG (the customer's country), or set a default with settings --country, or write the number as +CC…"
		case errors.Is(err, vault.ErrNoQuery):
			hint = "give --email, --phone or --name"
		case errors.Is(err, vault.ErrUnknownFingerprint):
			hint = "compare it with the fingerprint recipients add printed, or the one on the recovery sheet; nothing was pinned"
		}
		return &exitError{code: exitRefused, msg: "refused: " + in.Error(), hint: hint}
	case errors.Is(err, crypto.ErrWeakPassphrase):
		return &exitError{code: exitRefused, msg: err.Error(), hint: "use a longer passphrase of unrelated words, or let shopvault make one: init --generate-passphrase"}
	case errors.As(err, &nr):
		return &exitError{code: exitKey, msg: nr.Error(), hint: "pass an identity of that role with --identity (or SHOPVAULT_IDENTITY)"}
	case errors.Is(err, vault.ErrNoIdentity):
		return &exitError{code: exitKey, msg: "this command needs a key and no identity or passphrase was given", hint: "pass --identity FILE (or set SHOPVAULT_IDENTITY), or --passphrase-file FILE"}
	case errors.Is(err, vault.ErrInterrupted):
		return &exitError{code: exitInterrupted, msg: "key rotation " + err.Error() + "; the vault is consistent and every record still reads", hint: "run shopvault rotate again to finish it (any change made with an owner's key also finishes it)"}
	case errors.Is(err, vault.ErrWrongPassphrase):
		return &exitError{code: exitKey, msg: "the passphrase is wrong: it does not open this vault", hint: "check the --passphrase-file (its first line is the passphrase) or type it again; a vault made with init --passphrase opens only with that passphrase or its recovery sheet"}
	case errors.Is(err, vault.ErrBackupIdentity):
		return &exitError{code: exitKey, msg: err.Error() + ": it is encrypted to the owners' identities as they were when it was made",
			hint: "pass the identity file that was yours when the backup was made (after rotate --identity-out, the old one you kept) together with your current one: --identity OLD.txt --identity NEW.txt"}
	case errors.As(err, &implicit):
		return &exitError{code: exitKey, msg: implicit.Error(),
			hint: "if you replaced your key with rotate --identity-out, pass the new file with --identity (or SHOPVAULT_IDENTITY); otherwise pass the identity file made by shopvault init, or one added with shopvault recipients add"}
	case errors.Is(err, vault.ErrWrongIdentity):
		return &exitError{code: exitKey, msg: err.Error(), hint: "pass the identity file made by shopvault init, or one added with shopvault recipients add (a removed person's identity opens nothing)"}
	case errors.Is(err, vault.ErrReasonRequired):
		return &exitError{code: exitUsage, msg: err.Error(), hint: "say why with --reason \"customer asked about order 1042\""}
	case errors.Is(err, vault.ErrLocked):
		return &exitError{code: exitLocked, msg: "vault is in use by another shopvault process", hint: "wait for it to finish, or pass --wait 30s"}
	case errors.As(err, &ie), errors.Is(err, vault.ErrIntegrity):
		return &exitError{code: exitIntegrity, msg: err.Error(), hint: "do not write to this vault; run shopvault check, and restore from a backup if it fails"}
	case errors.As(err, &notVault):
		return &exitError{code: exitIntegrity, msg: notVault.Error(),
			hint: "check the --vault path (or SHOPVAULT_VAULT); if it is your vault, restore it from a backup: shopvault restore FILE.age"}
	case errors.Is(err, vault.ErrFormat):
		return &exitError{code: exitIntegrity, msg: err.Error(), hint: "check --vault points at a shopvault vault"}
	case errors.As(err, &noVault):
		return &exitError{code: exitOther, msg: "no vault found at " + noVault.Path, hint: "create one with shopvault init, or pass --vault PATH (or SHOPVAULT_VAULT)"}
	case errors.Is(err, vault.ErrExists):
		return &exitError{code: exitOther, msg: "a vault already exists there; init never overwrites one", hint: "pass another --vault PATH, or use the existing vault"}
	case errors.Is(err, atomicfile.ErrNotRegular):
		return &exitError{code: exitOther, msg: err.Error() + "; shopvault writes only to a regular file, a device or a pipe, and never replaces a link, socket or folder", hint: "pass another file name, or - for standard output"}
	case errors.Is(err, syscall.ENOSPC):
		return &exitError{code: exitOther, msg: "the disk is full; the vault is unchanged", hint: "free some disk space and run the command again"}
	case errors.Is(err, fs.ErrPermission):
		return &exitError{code: exitOther, msg: err.Error(), hint: "check file permissions"}
	}
	msg := err.Error()
	if isCobraUsage(msg) {
		return &exitError{code: exitUsage, msg: msg, hint: hintSeeHelp}
	}
	return &exitError{code: exitOther, msg: msg, hint: "if this persists, run shopvault check"}
}

func isCobraUsage(msg string) bool {
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "requires exactly", "invalid argument", "flag needs an argument", "required flag", "if any flags in the group", "none of the others can be"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// report prints one line for a failure and returns the exit code. cmdPath
// is the command that ran ("shopvault label"), for the usage hint.
func report(env *Env, err error, cmdPath string) int {
	if err == nil {
		return exitOK
	}
	e := classify(err)
	if e.hint == hintSeeHelp && cmdPath != "" {
		e = &exitError{code: e.code, msg: e.msg, hint: "see " + cmdPath + " --help"}
	}
	line := "shopvault: error: " + e.msg
	if e.hint != "" {
		line += "; hint: " + e.hint
	}
	fmt.Fprintln(env.ErrOut, strings.ReplaceAll(line, "\n", " "))
	return e.code
}

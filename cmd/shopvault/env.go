package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"filippo.io/age"
	"filippo.io/age/plugin"
	"golang.org/x/term"

	"github.com/shopvault/shopvault/crypto"
	"github.com/shopvault/shopvault/vault"
)

// Env is everything a command takes from the outside world.
type Env struct {
	In          io.Reader
	Out         io.Writer
	ErrOut      io.Writer
	StdinIsTTY  bool
	StdoutIsTTY bool
	StderrIsTTY bool
	Getenv      func(string) string
	Now         func() time.Time
	Rand        io.Reader
	// OpenTTY opens the controlling terminal for prompts (so a passphrase is
	// read from the person even when stdin carries data).
	OpenTTY func() (ttyFile, error)
	// Interrupts, when set, turns the first Ctrl-C (or SIGTERM) into a
	// closed channel, for work that stops cleanly between batches; release
	// restores the default (die at once).
	Interrupts func(errOut io.Writer) (stop <-chan struct{}, release func())
	// TermWidth is the terminal's width in columns (for progress bars).
	TermWidth func() int
	// ScryptWorkFactor lowers scrypt cost in tests; never set from the CLI.
	ScryptWorkFactor int
}

type ttyFile interface {
	io.ReadWriteCloser
	Fd() uintptr
}

func openTTY() (ttyFile, error) {
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	return f, nil
}

func interrupts(errOut io.Writer) (<-chan struct{}, func()) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		select {
		case <-sig:
			// A second Ctrl-C kills at once, which is safe too.
			signal.Stop(sig)
			fmt.Fprintln(errOut, "\nshopvault: stopping after the batch in hand (Ctrl-C again stops at once; that is safe too)")
			close(stop)
		case <-done:
		}
	}()
	return stop, func() { signal.Stop(sig); close(done) }
}

// Global holds the flags every command shares.
type Global struct {
	VaultPath      string
	Identities     []string
	JSON           bool
	Wait           time.Duration
	PassphraseFile string
	Reason         string
	// stop is closed to stop a long operation between batches (Ctrl-C).
	stop <-chan struct{}
	// progressLabel names the long operation on its progress bar.
	progressLabel string
	// bar is the progress bar of the open vault, cleared when done.
	bar *progressBar
	// pinOwner is set by trust add: the fingerprint to pin at open.
	pinOwner string
	// acceptRestore is set by trust add --after-restore.
	acceptRestore bool
	// purging is set by purge --apply: the keyless run that signs with
	// the purge key.
	purging bool
	// restoring is set by restore: the vault it replaces may be older than
	// this machine's rollback witness.
	restoring bool
}

// stopOnInterrupt makes Ctrl-C stop the command's long work cleanly
// between batches instead of killing it; call the result when done.
func (g *Global) stopOnInterrupt(env *Env) func() {
	if env.Interrupts == nil {
		return func() {}
	}
	stop, release := env.Interrupts(env.ErrOut)
	g.stop = stop
	return release
}

func (e *Env) dataHome() string {
	if d := e.Getenv("XDG_DATA_HOME"); d != "" {
		return d
	}
	return filepath.Join(e.Getenv("HOME"), ".local", "share")
}

func (e *Env) configHome() string {
	if d := e.Getenv("XDG_CONFIG_HOME"); d != "" {
		return d
	}
	return filepath.Join(e.Getenv("HOME"), ".config")
}

// stateDir is where this machine keeps what it trusts about each vault
// (pinned owner fingerprints), outside the vault file.
func (e *Env) stateDir() string {
	if d := e.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "shopvault")
	}
	return filepath.Join(e.Getenv("HOME"), ".local", "state", "shopvault")
}

func (e *Env) defaultVaultPath() string {
	return filepath.Join(e.dataHome(), "shopvault", "vault.db")
}

func (e *Env) defaultIdentityPath() string {
	return filepath.Join(e.configHome(), "shopvault", "identity.txt")
}

func (e *Env) defaultRulesPath() string {
	return filepath.Join(e.configHome(), "shopvault", "retention.toml")
}

func (g *Global) vaultPath(env *Env) string {
	if g.VaultPath != "" {
		return g.VaultPath
	}
	if p := env.Getenv("SHOPVAULT_VAULT"); p != "" {
		return p
	}
	return env.defaultVaultPath()
}

// identityFiles are --identity flags, else SHOPVAULT_IDENTITY (a list
// separated like PATH), else the default file if it exists.
func (g *Global) identityFiles(env *Env) []string {
	if len(g.Identities) > 0 {
		return g.Identities
	}
	if p := env.Getenv("SHOPVAULT_IDENTITY"); p != "" {
		return filepath.SplitList(p)
	}
	if _, err := os.Stat(env.defaultIdentityPath()); err == nil {
		return []string{env.defaultIdentityPath()}
	}
	return nil
}

// identityNamed tells whether the person named an identity for this
// command (--identity, SHOPVAULT_IDENTITY or --passphrase-file) rather than
// leaving one at the default path, which a keyless command never reads
// (cron may run where the owner's passphrase-protected key file is).
func (g *Global) identityNamed(env *Env) bool {
	return len(g.Identities) > 0 || env.Getenv("SHOPVAULT_IDENTITY") != "" || g.PassphraseFile != ""
}

// identitySource says where identities come from when no --identity was
// given: "the default identity file" or "SHOPVAULT_IDENTITY"; "" for flags
// or none.
func (g *Global) identitySource(env *Env) string {
	switch {
	case len(g.Identities) > 0:
		return ""
	case env.Getenv("SHOPVAULT_IDENTITY") != "":
		return "SHOPVAULT_IDENTITY"
	case len(g.identityFiles(env)) > 0:
		return "the default identity file"
	}
	return ""
}

// implicitIdentityError is a key error of identities nobody named on the
// command line: the message says which file was used and where it came from.
type implicitIdentityError struct {
	source string
	files  []string
	err    error
}

func (e *implicitIdentityError) Error() string {
	if e.source == "SHOPVAULT_IDENTITY" {
		return fmt.Sprintf("the identity file %s (from SHOPVAULT_IDENTITY) cannot unlock this vault", strings.Join(e.files, ", "))
	}
	return fmt.Sprintf("%s %s cannot unlock this vault (no --identity was given)", e.source, strings.Join(e.files, ", "))
}

func (e *implicitIdentityError) Unwrap() error { return e.err }

// nameImplicitIdentity names the identity files in a wrong-identity error
// when they were not given on the command line.
func (g *Global) nameImplicitIdentity(env *Env, err error) error {
	if !errors.Is(err, vault.ErrWrongIdentity) {
		return err
	}
	if src := g.identitySource(env); src != "" {
		return &implicitIdentityError{source: src, files: g.identityFiles(env), err: err}
	}
	return err
}

func pluginUI(env *Env) *plugin.ClientUI {
	return &plugin.ClientUI{
		DisplayMessage: func(name, msg string) error {
			fmt.Fprintf(env.ErrOut, "shopvault: age-plugin-%s: %s\n", name, msg)
			return nil
		},
		RequestValue: func(name, prompt string, secret bool) (string, error) {
			return readSecret(env, fmt.Sprintf("age-plugin-%s: %s", name, prompt))
		},
		Confirm: func(name, prompt, yes, no string) (bool, error) {
			ans, err := readLine(env, fmt.Sprintf("age-plugin-%s: %s [%s/%s] ", name, prompt, yes, no))
			return strings.EqualFold(strings.TrimSpace(ans), yes), err
		},
		WaitTimer: func(name string) {
			fmt.Fprintf(env.ErrOut, "shopvault: waiting for age-plugin-%s (touch your key?)\n", name)
		},
	}
}

// loadIdentities reads every identity file, warning about loose permissions.
func (g *Global) loadIdentities(env *Env) ([]age.Identity, error) {
	var ids []age.Identity
	for _, path := range g.identityFiles(env) {
		st, err := os.Stat(path)
		if err != nil {
			return nil, &exitError{code: 3, msg: fmt.Sprintf("cannot read identity file %s", path), hint: "check the --identity path or SHOPVAULT_IDENTITY"}
		}
		// Only a regular file can be chmod-ed safely: /dev/null or a pipe
		// from a secret manager is 0666 by nature.
		if st.Mode().IsRegular() && st.Mode().Perm()&0o077 != 0 {
			fmt.Fprintf(env.ErrOut, "shopvault: warning: identity file %s is readable by other users (mode %o); run: chmod 600 %s\n", path, st.Mode().Perm(), path)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, &exitError{code: 3, msg: fmt.Sprintf("cannot read identity file %s", path), hint: "check its permissions"}
		}
		parsed, err := crypto.ParseIdentityFile(data, pluginUI(env), func() (string, error) {
			return g.passphrase(env, "passphrase for identity file "+filepath.Base(path))
		})
		if err != nil {
			if errors.Is(err, crypto.ErrNoIdentityMatch) {
				return nil, &exitError{code: 3, msg: "wrong passphrase for identity file " + path, hint: "try again"}
			}
			var ee *exitError
			if errors.As(err, &ee) {
				return nil, err
			}
			return nil, &exitError{code: 3, msg: fmt.Sprintf("identity file %s: %v", path, err), hint: "pass an age identity file (age-keygen), an SSH private key or a plugin identity"}
		}
		ids = append(ids, parsed...)
	}
	return ids, nil
}

// passphrase reads a passphrase from --passphrase-file, else from the
// terminal without echo. Never from argv or the environment.
func (g *Global) passphrase(env *Env, prompt string) (string, error) {
	if g.PassphraseFile != "" {
		data, err := os.ReadFile(g.PassphraseFile)
		if err != nil {
			return "", &exitError{code: 3, msg: "cannot read --passphrase-file " + g.PassphraseFile, hint: "check the path"}
		}
		return strings.TrimRight(string(data), "\r\n"), nil
	}
	return readSecret(env, prompt)
}

// vaultPassphrase is how a passphrase vault is unlocked (README,
// "Unlocking"): a --passphrase-file is tried first and once; a person at
// the prompt gets three tries, told after each wrong one.
func (g *Global) vaultPassphrase(env *Env) (ask func() (string, error), first bool, tries int) {
	if g.PassphraseFile != "" {
		return func() (string, error) { return g.passphrase(env, "vault passphrase") }, true, 1
	}
	const promptTries = 3
	asked := 0
	return func() (string, error) {
		asked++
		prompt := "vault passphrase"
		if asked > 1 {
			prompt = fmt.Sprintf("wrong passphrase; try again (%d of %d)", asked, promptTries)
		}
		return readSecret(env, prompt)
	}, false, promptTries
}

// msgNoTerminal is readSecret's error when nobody can type a passphrase;
// a command whose way out differs rewords the hint (isNoTerminal).
const msgNoTerminal = "a passphrase is needed and there is no terminal to ask on"

func isNoTerminal(err error) bool {
	var ee *exitError
	return errors.As(err, &ee) && ee.msg == msgNoTerminal
}

func readSecret(env *Env, prompt string) (string, error) {
	tty, err := env.OpenTTY()
	if err != nil {
		return "", &exitError{code: exitKey, msg: msgNoTerminal, hint: "pass --passphrase-file FILE, or use an identity file (--identity)"}
	}
	defer func() { _ = tty.Close() }() // the terminal: nothing of ours to lose
	// Ctrl-C while echo is off must not leave the terminal silent: restore
	// it, then die of the signal as usual (nothing has been written yet).
	fd := int(tty.Fd())
	hidden := false
	if state, err := term.GetState(fd); err == nil {
		defer func() { _ = term.Restore(fd, state) }()
		hidden = echoOff(fd)
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		done := make(chan struct{})
		defer func() { signal.Stop(sig); close(done) }()
		go func() {
			select {
			case s := <-sig:
				_ = term.Restore(fd, state) // best effort: the process ends next
				fmt.Fprintln(tty, "\ncancelled: nothing was changed")
				signal.Reset(s)
				_ = syscall.Kill(os.Getpid(), s.(syscall.Signal))
			case <-done:
			}
		}()
	}
	fmt.Fprintf(tty, "%s: ", prompt)
	// Not term.ReadPassword where echo is already off: it saves and sets the
	// terminal mode again, and a Ctrl-C in between left the terminal silent
	// after the handler above had restored it.
	read := term.ReadPassword
	if hidden {
		read = func(int) ([]byte, error) { return readTTYLine(tty) }
	}
	b, err := read(fd)
	fmt.Fprintln(tty)
	if err != nil {
		return "", &exitError{code: 3, msg: "could not read the passphrase", hint: "try again, or pass --passphrase-file FILE"}
	}
	return string(b), nil
}

func readLine(env *Env, prompt string) (string, error) {
	tty, err := env.OpenTTY()
	if err != nil {
		return "", &exitError{code: 2, msg: "this needs an answer and there is no terminal to ask on", hint: "pass the flag that answers it (see --help)"}
	}
	defer func() { _ = tty.Close() }() // the terminal: nothing of ours to lose
	fmt.Fprint(tty, prompt)
	b, err := readTTYLine(tty)
	if err != nil {
		return "", &exitError{code: 1, msg: "cancelled", hint: "nothing was changed"}
	}
	return string(b), nil
}

// readTTYLine reads one line typed at the terminal, without its end (a
// carriage return is dropped, a backspace the terminal passes on takes back
// a byte, as term.ReadPassword does). What was typed before the terminal
// went away counts; nothing typed is an error.
func readTTYLine(r io.Reader) ([]byte, error) {
	var line []byte
	one := make([]byte, 1)
	for {
		n, err := r.Read(one)
		if n == 1 {
			switch one[0] {
			case '\n':
				return line, nil
			case '\r':
			case '\b':
				if len(line) > 0 {
					line = line[:len(line)-1]
				}
			default:
				line = append(line, one[0])
			}
		}
		if err != nil {
			if len(line) > 0 {
				return line, nil
			}
			return nil, err
		}
	}
}

// openVault opens the vault for a command. Keyless commands pass keys=false
// and never read identities (cron holds no secret).
// vaultAccess is how a command opens the vault: whether it unlocks keys
// (identities, passphrase) and whether it may write.
type vaultAccess struct {
	keys, readOnly bool
	// noPrompt: identity files only, never the passphrase prompt (a
	// --passphrase-file still counts): for commands that need no key and
	// only name who ran them.
	noPrompt bool
}

// The usual ways in; a command whose flags decide builds its own.
var (
	writeWithKeys = vaultAccess{keys: true}
	readWithKeys  = vaultAccess{keys: true, readOnly: true}
	readKeyless   = vaultAccess{readOnly: true}
	writeKeyless  = vaultAccess{} // cron: purge and keyless housekeeping
)

func (g *Global) openVault(env *Env, access vaultAccess) (*vault.Vault, error) {
	opts := vault.Options{
		// --wait 0s means "do not wait": the vault's zero value means its default.
		Now: env.Now, Rand: env.Rand, LockWait: max(g.Wait, time.Millisecond), ReadOnly: access.readOnly, Reason: g.Reason, Stop: g.stop,
		StateDir: env.stateDir(), PinOwner: g.pinOwner, AcceptRestore: g.acceptRestore,
		PurgeKeyDir: filepath.Join(env.configHome(), "shopvault"), Purging: g.purging, Restoring: g.restoring,
	}
	if access.keys {
		ids, err := g.loadIdentities(env)
		if err != nil {
			return nil, err
		}
		opts.Identities = ids
		if !access.noPrompt || g.PassphraseFile != "" {
			opts.Passphrase, opts.PassphraseFirst, opts.PassphraseTries = g.vaultPassphrase(env)
		}
	}
	if env.StderrIsTTY {
		label := g.progressLabel
		if label == "" {
			label = "working"
		}
		g.bar = newProgressBar(env, label)
		opts.Progress = g.bar.update
	}
	return vault.Open(g.vaultPath(env), opts)
}

// withVault opens the vault for one command, runs fn on it and closes it:
// the lifecycle every command shares.
func (g *Global) withVault(env *Env, access vaultAccess, fn func(v *vault.Vault) error) (err error) {
	defer func() { err = g.nameImplicitIdentity(env, err) }()
	v, err := g.openVault(env, access)
	if err != nil {
		return err
	}
	// The bar's line is cleared before the result or error is printed.
	defer g.bar.clear()
	defer func() {
		if cerr := v.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if !v.Upgraded() {
		fmt.Fprintln(env.ErrOut, "shopvault: warning: this vault is format 2 and not yet authenticated against tampering; run any command once with the owner's identity to upgrade it")
	}
	return fn(v)
}

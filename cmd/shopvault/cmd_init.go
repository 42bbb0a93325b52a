package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/crypto"
	"github.com/shopvault/shopvault/vault"
)

type initOptions struct {
	IdentityOut        string
	Passphrase         bool
	GeneratePassphrase bool
	PQ                 bool
	ShopName           string
	ShopContact        string
	RecoverySheet      string
}

func newInitCmd(env *Env, g *Global) *cobra.Command {
	o := &initOptions{}
	c := &cobra.Command{
		Use:   "init",
		Short: "Create a new vault and the owner's key",
		Long: `Create a new, empty vault and the owner's identity (the key that unlocks it).

By default the identity is an age X25519 key written to
$XDG_CONFIG_HOME/shopvault/identity.txt (mode 0600). With --passphrase (or
--passphrase-file) the identity is instead kept inside the vault, protected by
a passphrase; weak passphrases are refused. init never overwrites an existing
vault or identity file. Losing the key means losing the data: keep a copy.`,
		Example: `  shopvault init
  shopvault init --vault /media/usb/shop.db --identity-out ~/keys/shop-owner.txt
  shopvault init --generate-passphrase --shop-name "Mama Put Kitchen"`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return initRun(env, g, o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.IdentityOut, "identity-out", "", "where to write the new owner identity (default $XDG_CONFIG_HOME/shopvault/identity.txt)")
	f.BoolVar(&o.Passphrase, "passphrase", false, "protect the owner identity with a passphrase asked on the terminal instead of writing a key file")
	f.BoolVar(&o.GeneratePassphrase, "generate-passphrase", false, "make a strong six-word passphrase, print it once, and use it")
	f.BoolVar(&o.PQ, "pq", false, "make the owner identity post-quantum (age ML-KEM-768 + X25519 hybrid)")
	f.StringVar(&o.ShopName, "shop-name", "", "your shop's name, used in the privacy notice")
	f.StringVar(&o.ShopContact, "shop-contact", "", "how customers reach you about their data, used in the privacy notice")
	f.StringVar(&o.RecoverySheet, "recovery-sheet", "", "also write a printable PDF with the identity as text and QR code, to keep in a drawer")
	return c
}

func initRun(env *Env, g *Global, o *initOptions) error {
	// --passphrase-file implies --passphrase, read from the file instead of asked
	o.Passphrase = o.Passphrase || g.PassphraseFile != ""
	path := g.vaultPath(env)
	if _, err := os.Stat(path); err == nil {
		return &exitError{code: exitOther, msg: "a vault already exists at " + path + "; init never overwrites one", hint: "pass another --vault PATH, or use the existing vault"}
	}
	if (o.Passphrase || o.GeneratePassphrase) && o.IdentityOut != "" {
		return usageErr("with a passphrase the identity is kept inside the vault; --identity-out is for key-file vaults (use --recovery-sheet for a printed copy)")
	}
	if o.GeneratePassphrase && (o.Passphrase || g.PassphraseFile != "") {
		return usageErr("--generate-passphrase makes the passphrase; do not also give --passphrase or --passphrase-file")
	}
	identity, recipient, err := crypto.GenerateIdentity(o.PQ)
	if err != nil {
		return err
	}
	create := vault.CreateOptions{
		Options: vault.Options{Now: env.Now, Rand: env.Rand, LockWait: max(g.Wait, time.Millisecond), StateDir: env.stateDir(),
			PurgeKeyDir: filepath.Join(env.configHome(), "shopvault")},
		OwnerRecipient: recipient,
		OwnerLabel:     "owner",
		Settings:       vault.Settings{ShopName: o.ShopName, ShopContact: o.ShopContact},
	}
	// The owner's signing key is derived from this identity, so the
	// identity alone re-anchors trust in the vault on any machine.
	ownerIDs, err := crypto.ParseIdentityFile([]byte(identity), nil, nil)
	if err != nil {
		return err
	}
	create.OwnerIdentity = ownerIDs[0]
	var idPath string
	var generated *string // the --generate-passphrase passphrase
	switch {
	case o.Passphrase || o.GeneratePassphrase:
		var pass string
		if o.GeneratePassphrase {
			if pass, err = crypto.GeneratePassphrase(env.Rand); err != nil {
				return err
			}
		} else {
			if pass, err = newPassphrase(env, g, []string{o.ShopName, o.ShopContact}); err != nil {
				return err
			}
		}
		blob, err := crypto.EncryptWithPassphrase([]byte(identity+"\n"), pass, &crypto.ScryptOptions{WorkFactor: env.ScryptWorkFactor})
		if err != nil {
			return err
		}
		create.PassphraseIdentity = blob
		create.OwnerLabel = "owner (passphrase)"
		if o.GeneratePassphrase {
			generated = &pass
			// With --json the passphrase is a key of the one JSON object
			// on stdout, so a script gets nothing else to parse.
			if g.JSON {
				fmt.Fprintln(env.ErrOut, "shopvault: your vault passphrase is \"passphrase\" in the JSON; write it down now, it is shown only once")
			} else {
				fmt.Fprintf(env.Out, "%s\n", pass)
				fmt.Fprintln(env.ErrOut, "shopvault: this is your vault passphrase; write it down now, it is shown only once")
			}
		}
	default:
		idPath = o.IdentityOut
		if idPath == "" {
			idPath = env.defaultIdentityPath()
		}
		if err := writeNewSecretFile(idPath, identityFile(identity, recipient)); err != nil {
			return err
		}
	}
	// The sheet is written before the vault, so a bad path leaves nothing.
	if o.RecoverySheet != "" {
		if err := writeRecoverySheet(env, o.RecoverySheet, identity, recipient, path); err != nil {
			if idPath != "" {
				_ = os.Remove(idPath) // best effort: a key to no vault opens nothing
			}
			return &exitError{code: exitOther, msg: "cannot write the recovery sheet " + o.RecoverySheet, hint: "pass a path in an existing folder; nothing was created"}
		}
	}
	v, err := vault.Create(path, create)
	if err != nil {
		// Best effort: the key and the sheet of a vault that was not made
		// open nothing, and the init error is the one to report.
		if idPath != "" {
			_ = os.Remove(idPath)
		}
		if o.RecoverySheet != "" {
			_ = os.Remove(o.RecoverySheet)
		}
		return err
	}
	if err := v.Close(); err != nil {
		return err
	}
	if g.JSON {
		return printJSON(env.Out, initSummary{Vault: path, Identity: idPath, Recipient: recipient, Passphrase: generated})
	}
	if env.StdinIsTTY {
		return initGuide(env, path, idPath, identity, recipient, o.RecoverySheet != "")
	}
	fmt.Fprintf(env.ErrOut, "shopvault: created %s\n", path)
	if idPath != "" {
		fmt.Fprintf(env.ErrOut, "shopvault: owner identity %s (keep a copy: without it the data is lost)\n", idPath)
	}
	return nil
}

// initGuide explains, on a terminal, where things are and that losing the
// key loses the data, and offers to write a backup copy of the identity and
// a printable recovery sheet.
func initGuide(env *Env, path, idPath, identity, recipient string, sheetDone bool) error {
	out := env.ErrOut
	fmt.Fprintf(out, "Your customer vault is %s.\n", path)
	if idPath != "" {
		fmt.Fprintf(out, "The key that opens it is %s: only this file (or a copy of it) can read the data.\n", idPath)
	} else {
		fmt.Fprintln(out, "It opens with your passphrase, and only with it.")
	}
	fmt.Fprintln(out, "If you lose the key, the data is gone for good, so keep a copy somewhere safe now.")
	if idPath != "" {
		ans, err := readLine(env, "Copy the key to a backup file, e.g. on a USB stick (path, or Enter to skip): ")
		if err != nil {
			return err
		}
		if p := strings.TrimSpace(ans); p != "" {
			data, err := os.ReadFile(idPath)
			if err != nil {
				return err
			}
			if err := writeNewSecretFile(p, data); err != nil {
				return err
			}
			fmt.Fprintf(out, "Wrote a copy of the key to %s.\n", p)
		}
	}
	if !sheetDone {
		ans, err := readLine(env, "Write a printable recovery sheet (PDF with the key as a QR code)? (file name, or Enter to skip): ")
		if err != nil {
			return err
		}
		if p := strings.TrimSpace(ans); p != "" {
			if err := writeRecoverySheet(env, p, identity, recipient, path); err != nil {
				return err
			}
		}
	}
	fmt.Fprintln(out, "Next: shopvault add (or shopvault import customers.csv). See shopvault --help.")
	return nil
}

// passphraseTries is how often a terminal user may choose again after a
// weak passphrase before init gives up.
const passphraseTries = 3

// newPassphrase reads the new vault passphrase and applies the policy. On
// a terminal a weak one is explained, and a mistyped confirmation noted,
// and it asks again; from a file it is refused at once (nobody is there to
// choose another).
func newPassphrase(env *Env, g *Global, context []string) (string, error) {
	if g.PassphraseFile != "" {
		pass, err := g.passphrase(env, "")
		if err != nil {
			return "", err
		}
		return pass, crypto.CheckPassphrase(pass, context)
	}
	var last error
	for try := 1; try <= passphraseTries; try++ {
		pass, err := readSecret(env, "new vault passphrase")
		if isNoTerminal(err) {
			// --identity means nothing to init: it writes the identity.
			return "", &exitError{code: exitKey, msg: msgNoTerminal, hint: "pass --passphrase-file FILE holding the new passphrase, or drop --passphrase and init writes an identity file instead; nothing was created"}
		}
		if err != nil {
			return "", err
		}
		if last = crypto.CheckPassphrase(pass, context); last == nil {
			again, err := readSecret(env, "the same passphrase again")
			if err != nil {
				return "", err
			}
			if again == pass {
				return pass, nil
			}
			last = &exitError{code: exitRefused, msg: "the two passphrases differ", hint: "nothing was written; run init again"}
		}
		if try < passphraseTries {
			advice := "several unrelated words work well, or press Ctrl-C and run shopvault init --generate-passphrase"
			if !errors.Is(last, crypto.ErrWeakPassphrase) {
				advice = "type the same passphrase twice"
			}
			fmt.Fprintf(env.ErrOut, "shopvault: %v\nshopvault: choose another (try %d of %d): %s\n", last, try+1, passphraseTries, advice)
		}
	}
	return "", last
}

// initSummary is what init --json prints (docs/json.md); Passphrase is
// null unless init made it (--generate-passphrase).
type initSummary struct {
	Vault      string  `json:"vault"`
	Identity   string  `json:"identity"`
	Recipient  string  `json:"recipient"`
	Passphrase *string `json:"passphrase"`
}

package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/crypto"
)

type keygenOptions struct {
	Out string
	PQ  bool
}

// newKeygenCmd makes a helper's own key on their account, so setting a
// helper up needs nothing but shopvault (README, step 5).
func newKeygenCmd(env *Env, g *Global) *cobra.Command {
	o := &keygenOptions{}
	c := &cobra.Command{
		Use:   "keygen",
		Short: "Make a key for a helper (or a new device) and print its public key",
		Long: `Make a new age identity for the person who will use it — a helper on their own
account — and write it to $XDG_CONFIG_HOME/shopvault/identity.txt (or -o
FILE), mode 0600. It never overwrites a file: an existing key may be the only
one that opens a vault.

The public key (age1…) is printed on stdout: send it to the shop's owner, who
gives it a role with shopvault recipients add. The secret key never leaves
the file.`,
		Example: `  shopvault keygen
  shopvault keygen -o ~/keys/packing-desk.txt --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return keygenRun(env, g, o)
		},
	}
	c.Flags().StringVarP(&o.Out, "output", "o", "", "where to write the key (default $XDG_CONFIG_HOME/shopvault/identity.txt)")
	c.Flags().BoolVar(&o.PQ, "pq", false, "make a post-quantum key (age ML-KEM-768 + X25519 hybrid)")
	return c
}

func keygenRun(env *Env, g *Global, o *keygenOptions) error {
	path := o.Out
	if path == "" {
		path = env.defaultIdentityPath()
	}
	identity, recipient, err := crypto.GenerateIdentity(o.PQ)
	if err != nil {
		return err
	}
	text := fmt.Sprintf("# shopvault identity, public key: %s\n%s\n", recipient, identity)
	if err := writeNewSecretFile(path, []byte(text)); err != nil {
		return err
	}
	if g.JSON {
		return printJSON(env.Out, map[string]string{"identity": path, "recipient": recipient})
	}
	fmt.Fprintln(env.Out, recipient)
	fmt.Fprintf(env.ErrOut, "shopvault: wrote your key to %s (keep it private)\n", path)
	fmt.Fprintln(env.ErrOut, "shopvault: send the public key above to the shop's owner; they run: shopvault recipients add age1… --role shipping --name YOUR-NAME")
	return nil
}

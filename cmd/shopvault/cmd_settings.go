package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/vault"
)

func newSettingsCmd(env *Env, g *Global) *cobra.Command {
	var o settingsOptions
	c := &cobra.Command{
		Use:   "settings",
		Short: "Show or change vault-wide settings",
		Long: `Show the vault's settings, or change them (owner only): the shop's name and
contact for the privacy notice, whether helpers with the support role
must give a purpose (--reason) for every read of personal data, and the
default country: used by add, edit, import and find for a phone written
without +CC and for an address given without a country (--country "" clears it).`,
		Example: `  shopvault settings
  shopvault settings --shop-name "Mama Put Kitchen" --shop-contact "privacy@mamaput.example"
  shopvault settings --require-reason-for-support
  shopvault settings --country NG`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.set = func(flag string) bool { return c.Flags().Changed(flag) }
			return settingsRun(env, g, &o)
		},
	}
	c.Flags().StringVar(&o.ShopName, "shop-name", "", "the shop's name (privacy notice)")
	c.Flags().StringVar(&o.ShopContact, "shop-contact", "", "how customers reach you about their data (privacy notice)")
	c.Flags().StringVar(&o.Country, "country", "", "default country for phones and addresses given without one (ISO code or name)")
	c.Flags().BoolVar(&o.RequireReason, "require-reason-for-support", false, "require --reason for every read by the support role")
	return c
}

// settingsOptions are settings' flags; set tells which were given.
type settingsOptions struct {
	ShopName, ShopContact, Country string
	RequireReason                  bool
	set                            func(flag string) bool
}

// settingsRun shows the settings, changing the ones given first (owner).
func settingsRun(env *Env, g *Global, o *settingsOptions) error {
	change := o.set("shop-name") || o.set("shop-contact") || o.set("require-reason-for-support") || o.set("country")
	code := ""
	if o.Country != "" {
		var ok bool
		if code, ok = vault.CountryCode(o.Country); !ok {
			return &exitError{code: exitUsage, msg: "--country: not a country", hint: "give an ISO code such as NG, GB, DE, or a name such as Nigeria"}
		}
	}
	return g.withVault(env, vaultAccess{keys: change, readOnly: !change}, func(v *vault.Vault) error {
		st, err := v.Settings()
		if err != nil {
			return err
		}
		if change {
			if o.set("shop-name") {
				st.ShopName = o.ShopName
			}
			if o.set("shop-contact") {
				st.ShopContact = o.ShopContact
			}
			if o.set("require-reason-for-support") {
				st.ReasonRequiredSupport = o.RequireReason
			}
			if o.set("country") {
				st.Country = code
			}
			if err := v.SetSettings(st); err != nil {
				return err
			}
		}
		if g.JSON {
			return printJSON(env.Out, newSettingsJSON(st))
		}
		fmt.Fprintf(env.Out, "shop name: %s\nshop contact: %s\nreason required for support reads: %s\ndefault country: %s\n", st.ShopName, st.ShopContact, yesNo(st.ReasonRequiredSupport), orNone(st.Country))
		return nil
	})
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

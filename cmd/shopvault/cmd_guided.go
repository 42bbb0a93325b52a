package main

import (
	"fmt"
	"strings"

	"github.com/shopvault/shopvault/vault"
)

// addGuidedRun asks for each field on the terminal, checks each answer on
// the spot (phone shown back in international form, card numbers refused
// with the reason), and confirms before saving. Ctrl-C or end of input at
// any prompt leaves the vault untouched: nothing is written before the
// final question, where Enter means yes.
func addGuidedRun(env *Env, g *Global, o *addOptions) error {
	fmt.Fprintln(env.ErrOut, "New customer. Press Enter to skip a field.")
	// The vault's default country serves a phone typed without +CC (read
	// without a key; a vault that cannot be read here is reported at save).
	defaultCountry := ""
	_ = g.withVault(env, readKeyless, func(v *vault.Vault) error {
		st, err := v.Settings()
		defaultCountry = st.Country
		return err
	})
	fields := map[string]string{}
	// country first among the address so the phone can use it.
	order := []string{"name", "country", "phone", "email", "line1", "line2", "city", "region", "postcode", "note"}
	for _, f := range order {
		for {
			ans, err := readLine(env, fmt.Sprintf("%-9s (%s): ", f, fieldHelp[f]))
			if err != nil {
				return err
			}
			ans = strings.TrimSpace(ans)
			if ans == "" {
				break
			}
			country := fields["country"]
			if country == "" {
				country = defaultCountry
			}
			norm, err := vault.NormalizeFields(map[string]string{f: ans}, country)
			if err != nil {
				fmt.Fprintf(env.ErrOut, "  %s\n", classify(err).msg)
				continue
			}
			fields[f] = norm[f]
			if f == "phone" {
				fmt.Fprintf(env.ErrOut, "  saved as %s\n", norm[f])
			}
			break
		}
	}
	if len(fields) == 0 {
		return usageErr("no fields given; nothing was saved")
	}
	fmt.Fprintln(env.ErrOut, "\nAbout to save:")
	for _, f := range vault.FieldNames {
		if v, ok := fields[f]; ok {
			fmt.Fprintf(env.ErrOut, "  %-9s %s\n", f, sanitizeTerminal(v))
		}
	}
	// Enter saves: after typing every field, the expected answer is yes,
	// and a slip of the finger must not throw the typing away.
	for {
		ans, err := readLine(env, "Save this customer? [Y/n] ")
		if err != nil {
			return err
		}
		switch strings.ToLower(strings.TrimSpace(ans)) {
		case "", "y", "yes":
			return addRun(env, g, o, fields)
		case "n", "no":
			return &exitError{code: exitOther, msg: "not saved", hint: "nothing was written"}
		}
		fmt.Fprintln(env.ErrOut, "  please answer y (save) or n (do not save)")
	}
}

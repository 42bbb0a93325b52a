package main

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/crypto"
	"github.com/shopvault/shopvault/export"
	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault"
)

// demoCustomers are synthetic customers (made-up names at made-up
// addresses, example.* emails), so the demo needs no file and shows the
// product on its first run.
//
//go:embed demodata/customers.csv
var demoCustomers []byte

type demoOptions struct {
	// Parent is where the demo folder is made (default: the system's
	// temporary folder).
	Parent string
	// Keep keeps the demo folder to try commands on; without it the folder
	// is removed at the end, also after an error or Ctrl-C.
	Keep bool
}

// demoResult is what demo --json prints.
type demoResult struct {
	Dir       string `json:"dir"`
	Vault     string `json:"vault"`
	Identity  string `json:"identity"`
	Customers int    `json:"customers"`
	Found     string `json:"found"`
	Labels    string `json:"labels"`
	Manifest  string `json:"manifest"`
	Rules     string `json:"rules"`
	Planned   int    `json:"purge_planned"`
	// Kept: the folder and the files named above are still there (--keep).
	Kept bool `json:"kept"`
}

func newDemoCmd(env *Env, g *Global) *cobra.Command {
	o := &demoOptions{}
	c := &cobra.Command{
		Use:   "demo",
		Short: "Try shopvault on a throwaway vault of sample customers",
		Long: `Make a throwaway vault in a new temporary folder (never your real vault, never
your real key), fill it with sample customers built into shopvault (made-up
people), and show what a shop does with it: find a customer, print labels as a
PDF, record parcels and hand the courier a manifest, and see what the
retention rules would delete. It says where each file is and what to try next.

Everything is in the demo folder: the encrypted vault, its demo key, and the
labels and manifest, which are plaintext like any printout (sample data here).
The folder is removed when the demo ends, also after an error or Ctrl-C. With
--keep it stays, and the demo says where it is, which commands to try on it
and how to remove it; the demo never removes anything else.`,
		Example: `  shopvault demo
  shopvault demo --keep
  go run ./cmd/shopvault demo
  shopvault demo --dir . --keep --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return demoRun(env, g, o)
		},
	}
	c.Flags().StringVar(&o.Parent, "dir", "", "make the demo folder inside this folder (default: the system's temporary folder)")
	c.Flags().BoolVar(&o.Keep, "keep", false, "keep the demo folder to try commands on it (default: removed at the end)")
	return c
}

// parseDemoCustomers reads the embedded sample: the native import columns,
// consent purposes separated by ";".
func parseDemoCustomers(data []byte) ([]vault.NewCustomer, error) {
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(rows) < 2 {
		return nil, fmt.Errorf("the built-in sample customers are unreadable: %v", err)
	}
	header := rows[0]
	var out []vault.NewCustomer
	for _, row := range rows[1:] {
		nc := vault.NewCustomer{Fields: map[string]string{}}
		for i, col := range header {
			switch {
			case row[i] == "":
			case col == "consent":
				nc.Consent = strings.Split(row[i], ";")
			default:
				nc.Fields[col] = row[i]
			}
		}
		out = append(out, nc)
	}
	return out, nil
}

func demoRun(env *Env, g *Global, o *demoOptions) (err error) {
	customers, err := parseDemoCustomers(demoCustomers)
	if err != nil {
		return err
	}
	now := env.Now()
	// The last few customers were last active three years ago, so the
	// example rules have something to erase in the dry run.
	for i := len(customers) - 4; i < len(customers); i++ {
		customers[i].Created = now.AddDate(-3, 0, 0)
	}
	parent := o.Parent
	if parent == "" {
		parent = os.TempDir()
	}
	dir, err := os.MkdirTemp(parent, "shopvault-demo-")
	if err != nil {
		return &exitError{code: exitOther, msg: "cannot make a demo folder in " + parent, hint: "pass --dir with a folder you can write to"}
	}
	// Registered first, so it runs last: after the vault is closed.
	defer func() {
		if o.Keep {
			return
		}
		if rerr := os.RemoveAll(dir); rerr != nil && err == nil {
			err = &exitError{code: exitOther, msg: "the demo could not remove its folder " + dir + ": " + rerr.Error(), hint: "remove it yourself: rm -r " + dir}
		}
	}()
	stopped := demoInterrupts(env, o.Keep, dir)
	defer stopped.release()
	res := demoResult{
		Dir: dir, Vault: filepath.Join(dir, "vault.db"), Identity: filepath.Join(dir, "identity.txt"),
		Labels: filepath.Join(dir, "labels.pdf"), Manifest: filepath.Join(dir, "manifest-gig.csv"), Rules: filepath.Join(dir, "retention.toml"),
		Kept: o.Keep,
	}
	out := io.Writer(env.Out)
	if g.JSON {
		out = io.Discard
	}
	say := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }
	// file is how a step names a file: its path when the folder is kept,
	// else only its name (it is gone when the demo ends).
	file := func(path string) string {
		if o.Keep {
			return path
		}
		return filepath.Base(path)
	}

	identity, recipient, err := crypto.GenerateIdentity(false)
	if err != nil {
		return err
	}
	if err := writeNewSecretFile(res.Identity, identityFile(identity, recipient)); err != nil {
		return err
	}
	ids, err := crypto.ParseIdentityFile([]byte(identity), nil, nil)
	if err != nil {
		return err
	}
	// A kept demo's owner is pinned on this machine (a small trust file
	// keyed by the demo vault's id), so the keyless next steps it prints
	// work too; otherwise the pin lives and goes with the folder.
	stateDir := env.stateDir()
	if !o.Keep {
		stateDir = filepath.Join(dir, "state")
	}
	opts := vault.Options{Now: env.Now, Rand: env.Rand, LockWait: max(g.Wait, time.Millisecond), StateDir: stateDir}
	created, err := vault.Create(res.Vault, vault.CreateOptions{Options: opts, OwnerRecipient: recipient, OwnerLabel: "owner", OwnerIdentity: ids[0],
		Settings: vault.Settings{ShopName: "Demo Shop"}})
	if err != nil {
		return err
	}
	if err := created.Close(); err != nil {
		return err
	}
	opts.Identities = ids
	v, err := vault.Open(res.Vault, opts)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := v.Close(); err == nil {
			err = cerr
		}
	}()

	if o.Keep {
		say("shopvault demo: a throwaway vault with sample customers (made-up people), in")
		say("  %s", dir)
	} else {
		say("shopvault demo: a throwaway vault with sample customers (made-up people), in a")
		say("temporary folder removed when the demo ends (shopvault demo --keep keeps it).")
	}
	say("Your real vault and key are not touched.")
	say("")
	if err := stopped.check(); err != nil {
		return err
	}
	aliases, err := v.AddAll(customers)
	if err != nil {
		return err
	}
	res.Customers = len(aliases)
	say("1. Added %s, encrypted, to %s", words.Count(len(aliases), "customer"), file(res.Vault))
	say("   (its key is %s). Each one has an alias such as %s.", file(res.Identity), aliases[0])
	if err := stopped.check(); err != nil {
		return err
	}

	email := strings.ToUpper(customers[0].Fields["email"])
	found, err := v.Find(vault.FindQuery{Email: email})
	if err != nil {
		return err
	}
	res.Found = found[0].Alias
	shown, err := v.Show(found[0].Alias, []string{"name", "city", "country"})
	if err != nil {
		return err
	}
	say("")
	say("2. Find a customer by email, in any case:  shopvault find --email %s", email)
	say("   found %s: %s, %s %s (show reads the record and logs who read it)",
		found[0].Alias, sanitizeTerminal(shown.Fields["name"]), sanitizeTerminal(shown.Fields["city"]), shown.Fields["country"])

	if err := stopped.check(); err != nil {
		return err
	}
	const parcels = 3
	var reqs []vault.LabelRequest
	for i := 0; i < parcels; i++ {
		reqs = append(reqs, vault.LabelRequest{Alias: aliases[i], Ref: fmt.Sprintf("ORD-%d", 1001+i)})
	}
	recs, err := v.ForLabels(reqs, false)
	if err != nil {
		return err
	}
	labels := make([]export.Label, len(recs))
	for i, r := range recs {
		labels[i] = export.LabelFromFields(r.Alias, r.Fields, false, false, r.Ref, "Demo Shop")
	}
	pdf, err := renderLabels(env, labels, "pdf", export.PDFOptions{Size: export.Size4x6})
	if err != nil {
		return err
	}
	if err := createFile(res.Labels, pdf, 0o600, &exitError{code: exitOther, msg: res.Labels + " already exists"}); err != nil {
		return err
	}
	say("")
	say("3. Labels for this week's %s (4x6 in; alias, barcode, first name, address):", words.Count(parcels, "parcel"))
	say("   %s", file(res.Labels))
	if err := stopped.check(); err != nil {
		return err
	}

	// The first parcel went out 40 days ago: the example rules drop a
	// delivery phone 30 days after the last shipment.
	for i, r := range reqs {
		date := now
		if i == 0 {
			date = now.AddDate(0, 0, -40)
		}
		if _, err := v.Ship(r.Alias, "gig", r.Ref, date); err != nil {
			return err
		}
	}
	ships, err := v.Manifest(vault.ManifestQuery{Courier: "gig"})
	if err != nil {
		return err
	}
	var manifest bytes.Buffer
	if err := export.WriteManifestCSV(&manifest, manifestRows(ships), false); err != nil {
		return err
	}
	if err := createFile(res.Manifest, manifest.Bytes(), 0o600, &exitError{code: exitOther, msg: res.Manifest + " already exists"}); err != nil {
		return err
	}
	say("")
	say("4. Recorded the parcels (shopvault ship) and made the courier's manifest: aliases,")
	say("   order numbers and the general area only, no names, phones or streets:")
	say("   %s", file(res.Manifest))
	for _, line := range strings.Split(strings.TrimSpace(manifest.String()), "\n") {
		say("     %s", sanitizeTerminal(line))
	}

	if err := stopped.check(); err != nil {
		return err
	}
	if err := createFile(res.Rules, []byte(vault.ExampleRules), 0o644, &exitError{code: exitOther, msg: res.Rules + " already exists"}); err != nil {
		return err
	}
	rules, err := vault.ParseRules([]byte(vault.ExampleRules))
	if err != nil {
		return err
	}
	plan, err := v.Plan(rules, nil)
	if err != nil {
		return err
	}
	res.Planned = len(plan.Plan)
	say("")
	say("5. What the example retention rules (%s) would delete today,", file(res.Rules))
	say("   a dry run (shopvault purge; nothing is deleted without --apply):")
	for _, it := range plan.Plan {
		what := string(it.Action)
		if it.Action == vault.ActionDrop {
			what += " " + strings.Join(it.Fields, ",")
		}
		say("     %s  %-11s %s", it.Alias, what, it.Rule)
	}
	if g.JSON {
		return printJSON(env.Out, res)
	}
	if !o.Keep {
		say("")
		say("The demo folder and everything in it are removed now. To try commands on the")
		say("demo vault (list, show, label, purge, audit), run: shopvault demo --keep")
		say("Then for real: go install ./cmd/shopvault, then shopvault init (README, \"Five-minute walkthrough\").")
		return nil
	}
	say("")
	say("Try next, on the demo vault (not installed yet? type go run ./cmd/shopvault for shopvault):")
	say("  export SHOPVAULT_VAULT=%s SHOPVAULT_IDENTITY=%s", res.Vault, res.Identity)
	say("  shopvault list")
	say("  shopvault show %s", aliases[1])
	say("  shopvault label %s --format text", aliases[1])
	say("  shopvault purge --rules %s", res.Rules)
	say("  shopvault audit list")
	say("Then for real: go install ./cmd/shopvault, then shopvault init (README, \"Five-minute walkthrough\").")
	say("")
	say("The labels and manifest are plaintext, like any printout (sample data here).")
	say("When done: unset SHOPVAULT_VAULT SHOPVAULT_IDENTITY; rm -r %s", dir)
	return nil
}

// demoStop turns Ctrl-C during the demo into a stop at the next step, so
// that the folder is removed (or, with --keep, said where it is) instead
// of being left behind by a killed process.
type demoStop struct {
	stop    <-chan struct{}
	release func()
	keep    bool
	dir     string
}

func demoInterrupts(env *Env, keep bool, dir string) *demoStop {
	d := &demoStop{release: func() {}, keep: keep, dir: dir}
	if env.Interrupts != nil {
		d.stop, d.release = env.Interrupts(io.Discard)
	}
	return d
}

// check returns the error that ends the demo once Ctrl-C was pressed.
func (d *demoStop) check() error {
	select {
	case <-d.stop:
		if d.keep {
			return &exitError{code: exitInterrupted, msg: "demo stopped by Ctrl-C; its folder is kept: " + d.dir, hint: "remove it when done: rm -r " + d.dir}
		}
		return &exitError{code: exitInterrupted, msg: "demo stopped by Ctrl-C; its folder was removed", hint: "run shopvault demo again to see it all"}
	default:
		return nil
	}
}

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"github.com/shopvault/shopvault/crypto"
	"github.com/shopvault/shopvault/internal/words"
	"github.com/shopvault/shopvault/vault"
)

func dataCommands() []commandBuilder {
	return []commandBuilder{{"import", newImportCmd}, {"dedupe", newDedupeCmd}, {"export", newExportCmd},
		{"backup", newBackupCmd}, {"restore", newRestoreCmd}, {"check", newCheckCmd}}
}

func newImportCmd(env *Env, g *Global) *cobra.Command {
	o := importOptions{Report: outputTarget{flag: "--report"}}
	c := &cobra.Command{
		Use:   "import FILE|-",
		Short: "Import customers from contacts (vCard, Google, Outlook), Excel or shop exports",
		Long: `Import customers from the files shops have, recognised from their content:
a phone's or a mail program's contacts (.vcf, vCard 2.1/3.0/4.0), a Google
Contacts or Outlook CSV, a Shopify customers or orders export, a WooCommerce
customers or orders export, or a CSV with shopvault's own columns
(name,email,phone,line1,line2,city,region,postcode,country,note,consent,created).
CSV may be comma, semicolon or tab separated, in UTF-8, UTF-16 (Excel's
"Unicode Text") or Windows-1252. Order exports give one customer per buyer
(the shipping address preferred). A header it does not recognise is refused,
with the mapping it would use: pass that as --map col=field,… to confirm.
--dry-run shows the mapping and the first rows as they would be stored.
How to export from each program: docs/import.md.

Every row is checked like add; a bad row is skipped and reported (--report
FILE writes row, field, reason — never the refused value; an existing FILE
is replaced only with --force). Duplicates (same
email, or same phone and name) are skipped, or with --merge fill the empty
fields of the existing customer. Rows go in batches of transactions: an
interrupted import keeps what was committed, and running it again skips those
rows. Phones without +CC and addresses without a country use the default
country (settings --country). Exit 0 when every row went in, 8 when some
rows were refused and the others written, 5 when the file was refused and
nothing was written.`,
		Example: `  shopvault import customers.csv --report refused.csv
  shopvault import shopify-orders.csv --dry-run
  shopvault import contacts.vcf
  shopvault import old.csv --map "Full Name=name,Mobile=phone,Town=city,Land=country"`,
		Args: exactArgs(1, "FILE or -"),
		RunE: func(c *cobra.Command, args []string) error {
			return importRun(env, g, &o, args[0])
		},
	}
	c.Flags().StringVar(&o.Format, "format", "", joinNames(vault.ImportFormats, ", ")+" (default: recognised from the content)")
	c.Flags().StringVar(&o.Map, "map", "", "column mapping for other CSVs: col=field,…")
	c.Flags().StringVar(&o.Report.Path, "report", "", "write refused and skipped rows as CSV (row, field, reason)")
	c.Flags().BoolVar(&o.Report.Force, "force", false, "replace the --report file if it exists")
	c.Flags().BoolVar(&o.DryRun, "dry-run", false, "show the column mapping and the first rows as they would be stored; check every row; write nothing")
	c.Flags().BoolVar(&o.Merge, "merge", false, "fill empty fields of an existing customer instead of skipping duplicates")
	return c
}

func newDedupeCmd(env *Env, g *Global) *cobra.Command {
	var o dedupeOptions
	c := &cobra.Command{
		Use:   "dedupe",
		Short: "Find and merge likely duplicate customers",
		Long: `Find likely duplicates (same email, or same phone and name) and, with
--apply, merge each into the older record: empty fields filled, aliases of
both keep resolving, shipments and consents kept. Without --apply it only
lists them (from metadata, no key needed).`,
		Example: "  shopvault dedupe\n  shopvault dedupe --apply --json",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return dedupeRun(env, g, &o)
		},
	}
	c.Flags().BoolVar(&o.Apply, "apply", false, "merge them")
	return c
}

// dedupeOptions are dedupe's flags.
type dedupeOptions struct {
	Apply bool // merge, else only list
}

// dedupeRun lists likely duplicates (from metadata) or, with --apply,
// merges each into the older record.
func dedupeRun(env *Env, g *Global, o *dedupeOptions) error {
	return g.withVault(env, vaultAccess{keys: o.Apply, readOnly: !o.Apply}, func(v *vault.Vault) error {
		var pairs []vault.DuplicatePair
		var err error
		if o.Apply {
			pairs, err = v.Dedupe()
		} else {
			pairs, err = v.FindDuplicates()
		}
		if err != nil {
			return err
		}
		if g.JSON {
			if pairs == nil {
				pairs = []vault.DuplicatePair{}
			}
			return printJSON(env.Out, pairs)
		}
		t := newTable(env, "KEEP", "MERGE", "WHY")
		for _, p := range pairs {
			t.add(p.Keep, p.Merge, p.Reason)
		}
		if err := t.flush(); err != nil {
			return err
		}
		if o.Apply {
			fmt.Fprintf(env.Out, "merged %s\n", words.Count(len(pairs), "duplicate"))
		} else {
			fmt.Fprintf(env.Out, "%s; run dedupe --apply to merge them\n", words.Count(len(pairs), "likely duplicate"))
		}
		return nil
	})
}

// ageRecipients parses --age values.
func ageRecipients(env *Env, list []string) ([]age.Recipient, error) {
	var out []age.Recipient
	for _, s := range list {
		r, err := crypto.ParseRecipient(s, pluginUI(env))
		if err != nil {
			return nil, usageErr("--age: %v", err)
		}
		out = append(out, r)
	}
	return out, nil
}

// sealOutput encrypts data to recipients as a standard age file when any
// are given.
func sealOutput(data []byte, rcpts []age.Recipient) ([]byte, error) {
	if len(rcpts) == 0 {
		return data, nil
	}
	return crypto.EncryptBytes(data, rcpts...)
}

func newExportCmd(env *Env, g *Global) *cobra.Command {
	c := &cobra.Command{
		Use:   "export",
		Short: "Export one customer's data (subject access) or a CSV",
		Long: `export subject writes everything the vault holds about one customer, to
answer "what do you hold about me?". export csv writes customers to a CSV,
encrypted with age unless --plaintext is given. Both are recorded.`,
		Example: `  shopvault export subject K7QM-4TXR-Z --age age1… -o answer.json.age
  shopvault export csv --fields name,email --consent marketing --age age1… -o list.csv.age`,
	}
	var so exportSubjectOptions
	subject := &cobra.Command{
		Use:   "subject ALIAS",
		Short: "Everything the vault holds about one customer, as JSON",
		Long: `All fields, aliases, shipments, consents and access-log entries about the
customer, as JSON. With --age RECIPIENT it is encrypted to that recipient
(for example the customer's own age key) so it can be sent safely.
It needs a role that reads every field (owner or support).`,
		Example: `  shopvault export subject K7QM-4TXR-Z -o subject.json
  shopvault export subject K7QM-4TXR-Z --age age1… -o subject.json.age`,
		Args:              exactArgs(1, "ALIAS"),
		ValidArgsFunction: completeAliases(env, g),
		RunE: func(c *cobra.Command, args []string) error {
			return exportSubjectRun(env, g, &so, args[0])
		},
	}
	addOutputFlags(subject, &so.Out, "-", "output file, or - for stdout")
	subject.Flags().StringArrayVar(&so.Ages, "age", nil, "encrypt to this age recipient (repeatable)")
	var co exportCSVOptions
	csvC := &cobra.Command{
		Use:   "csv -o FILE",
		Short: "Export customers to CSV (age-encrypted unless --plaintext)",
		Long: `Write customers to RFC 4180 CSV with formula-looking values neutralised, e.g.
the marketing list. Owner only. The file is age-encrypted to --age
recipients; --plaintext must be given explicitly to write it unencrypted.`,
		Example: `  shopvault export csv --fields name,email --consent marketing --age age1… -o marketing.csv.age
  shopvault export csv --plaintext -o - | less`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return exportCSVRun(env, g, &co)
		},
	}
	addOutputFlags(csvC, &co.Out, "", "output file, or - for stdout")
	csvC.Flags().StringVar(&co.Fields, "fields", "", "fields to export (default all)")
	csvC.Flags().StringVar(&co.Consent, "consent", "", "only customers who granted this purpose")
	csvC.Flags().StringArrayVar(&co.Ages, "age", nil, "encrypt to this age recipient (repeatable)")
	csvC.Flags().BoolVar(&co.Plaintext, "plaintext", false, "write unencrypted customer data (explicitly)")
	c.AddCommand(subject, csvC)
	return c
}

func newBackupCmd(env *Env, g *Global) *cobra.Command {
	var out outputTarget
	c := &cobra.Command{
		Use:   "backup -o FILE.age",
		Short: "Write an encrypted backup of the vault",
		Long: `Write a consistent snapshot of the vault, age-encrypted to every owner
recipient. It is an ordinary age file (age -d opens it with the owner's
identity) holding an ordinary vault file. No key needed, so cron can run it:
without an identity it is logged as cron; with one (--identity, SHOPVAULT_IDENTITY,
the default identity file or --passphrase-file) it is logged as that person,
and an identity that is not a recipient of the vault is refused, except the
default identity file when nobody named it: that one is skipped with a
warning (it is the old key after rotate --identity-out) and the backup runs
as cron.`,
		Example: `  shopvault backup -o /media/usb/shopvault-$(date +%F).age
  age -d -i ~/.config/shopvault/identity.txt backup.age > copy.db`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return backupRun(env, g, &out)
		},
	}
	addOutputFlags(c, &out, "", "backup file, or - for stdout")
	return c
}

// backupRun writes an encrypted snapshot of the vault to out, as the
// person identified or, without an identity, as cron.
func backupRun(env *Env, g *Global, out *outputTarget) error {
	if out.Path == "" {
		return usageErr("backup needs -o FILE.age")
	}
	if err := out.claim(env); err != nil {
		return err
	}
	identified := len(g.identityFiles(env)) > 0 || g.PassphraseFile != ""
	backup := func(v *vault.Vault) error {
		var buf bytes.Buffer
		res, err := v.Backup(&buf)
		if err != nil {
			return err
		}
		if err := out.write(env, buf.Bytes(), 0o600); err != nil {
			return err
		}
		if g.JSON {
			return printJSON(env.Out, res)
		}
		if !out.stdout() {
			fmt.Fprintf(env.Out, "backed up %s to %s (encrypted to %s)\n", words.Count(res.Customers, "customer"), out.Path, strings.Join(res.Recipients, ", "))
		}
		return nil
	}
	err := g.withVault(env, vaultAccess{keys: identified}, backup)
	// A default identity file nobody named that the vault no longer
	// knows (replaced by rotate --identity-out) must not stop
	// cron's nightly backup: it runs keyless, as without the file.
	if src := g.identitySource(env); errors.Is(err, vault.ErrWrongIdentity) && src == "the default identity file" && g.PassphraseFile == "" {
		fmt.Fprintf(env.ErrOut, "shopvault: warning: %s %s is not a recipient of this vault (replaced by rotate --identity-out?); backing up without it, logged as cron\n", src, strings.Join(g.identityFiles(env), ", "))
		return g.withVault(env, writeKeyless, backup)
	}
	return err
}

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

With no vault at --vault (a new machine), the backup is restored as it is, if
the identity given is an owner it lists.`,
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

// unfinishedHints words what check found half done, naming the command
// that finishes it.
func unfinishedHints(res vault.CheckResult) []string {
	var out []string
	if res.Rotating {
		out = append(out, "a key rotation is in progress; run shopvault rotate to finish it")
	}
	if res.Unindexed > 0 {
		out = append(out, fmt.Sprintf("an interrupted import left %s without index and alias entries; any command that writes (e.g. shopvault check without --metadata-only) writes them from their metadata", words.Count(res.Unindexed, "customer")))
	}
	return out
}

func newCheckCmd(env *Env, g *Global) *cobra.Command {
	var o checkOptions
	c := &cobra.Command{
		Use:   "check",
		Short: "Verify the whole vault",
		Long: `Verify the vault: the database structure, every sealed value opening under its
key version, blind indexes matching records, the alias table, shipments and
the audit chain. Exit 7 naming what is wrong. --metadata-only needs no key.

--sensitive reads every field and lists the values the sensitive-data guard
would refuse today (stored before it knew them): alias, field, category and
the edit command that removes each; exit 5 when it finds any.
--drop-sensitive drops all of them at once and logs each drop.`,
		Example: "  shopvault check\n  shopvault check --metadata-only --json\n  shopvault check --sensitive",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return checkRun(env, g, &o)
		},
	}
	c.Flags().BoolVar(&o.MetadataOnly, "metadata-only", false, "check only what needs no key")
	c.Flags().BoolVar(&o.Sensitive, "sensitive", false, "list stored values the sensitive-data guard refuses today (needs a key that reads every field)")
	c.Flags().BoolVar(&o.DropSensitive, "drop-sensitive", false, "with --sensitive: drop those fields (logged, without the value)")
	return c
}

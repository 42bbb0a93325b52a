package vault

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopvault/shopvault/internal/words"
)

// RulesHash is the SHA-256 a purge statement gives the rules it applied
// (of their JSON, as docs/format.md "Purge statements" says).
func RulesHash(rs *Rules) string { return newAppliedRules(rs).Hash }

// ApprovedRules is the hash of the retention rules an owner approved, ""
// when none was.
func (v *Vault) ApprovedRules() string {
	if v.policy == nil {
		return ""
	}
	return v.policy.body.RulesHash
}

// ApproveRules (owners) names rs in the signed policy as the approved
// retention rules. Purges under other rules still run (cron is never
// blocked); their statements are reported by check and logged when an
// owner's or support person's write takes them in.
func (v *Vault) ApproveRules(rs *Rules) (string, error) {
	hash := RulesHash(rs)
	err := v.update(func(tx *bolt.Tx) error {
		if err := v.requireRole(tx, RoleOwner); err != nil {
			return err
		}
		if err := tx.Bucket(bMeta).Put(mRulesHash, []byte(hash)); err != nil {
			return err
		}
		return v.appendAudit(tx, AuditEntry{Action: "rules approve", Detail: "rules " + hash[:12]})
	})
	return hash, err
}

// unapprovedRuns are the purge statements of chain that applied rules
// other than the approved ones ("" approves none: nothing to report).
func unapprovedRuns(chain *stmtChain, approved string) (runs, erased int, first time.Time) {
	if chain == nil || approved == "" {
		return 0, 0, time.Time{}
	}
	for _, s := range chain.stmts {
		if s.body.Signer != purgeSigner || s.body.Rules == nil || s.body.Rules.Hash == approved {
			continue
		}
		if runs == 0 {
			first = s.body.Time
		}
		runs++
		erased += s.body.erasures()
	}
	return runs, erased, first
}

func unapprovedMessage(runs, erased int, first time.Time) string {
	return fmt.Sprintf("%s since %s applied retention rules an owner has not approved (%s erased by them); compare the rules file cron uses with the approved one", words.Count(runs, "purge run"), first.Format(time.RFC3339), words.Count(erased, "customer"))
}

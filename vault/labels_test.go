package vault

import (
	"errors"
	"testing"
)

// A batch prints the good requests and names the others; the all-or-nothing
// form fails on the first bad one and logs nothing (issue 17 item 2).
func TestForLabelBatch(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	defer func() { must(t, v.Close()) }()
	good, err := v.Add(NewCustomer{Fields: map[string]string{"name": "Ada Obi", "city": "Yaba", "country": "NG"}})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := v.Add(NewCustomer{Fields: map[string]string{"name": "Bo Ek", "city": "Umeå", "country": "SE"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Forget(gone); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		aliases []string
		printed int
		bad     []int
		reasons []NotFoundReason
	}{
		{"all good", []string{good, good}, 2, nil, nil},
		{"unknown in the middle", []string{good, "ZZZZ-ZZZZ-Z", good}, 2, []int{1}, []NotFoundReason{"check"}},
		{"malformed and erased", []string{"Ada Obi", gone, good}, 1, []int{0, 1}, []NotFoundReason{"malformed", "erased"}},
		{"nothing good", []string{"0000-0000-0"}, 0, []int{0}, []NotFoundReason{"unknown"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var reqs []LabelRequest
			for _, a := range tc.aliases {
				reqs = append(reqs, LabelRequest{Alias: a})
			}
			before := auditCount(t, v)
			recs, problems, err := v.ForLabelBatch(reqs, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != tc.printed {
				t.Errorf("%d labels, want %d", len(recs), tc.printed)
			}
			if len(problems) != len(tc.bad) {
				t.Fatalf("problems %v, want lines %v", problems, tc.bad)
			}
			for i, p := range problems {
				var nf *NotFoundError
				if p.Index != tc.bad[i] || !errors.As(p.Err, &nf) || nf.Reason != tc.reasons[i] {
					t.Errorf("problem %d = %d %v, want %d %s", i, p.Index, p.Err, tc.bad[i], tc.reasons[i])
				}
			}
			wantLogged := 0
			if tc.printed > 0 {
				wantLogged = 1
			}
			if got := auditCount(t, v) - before; got != wantLogged {
				t.Errorf("%d access-log entries, want %d", got, wantLogged)
			}
			if len(tc.bad) > 0 {
				before := auditCount(t, v)
				if _, err := v.ForLabels(reqs, false); !errors.As(err, new(*NotFoundError)) {
					t.Errorf("ForLabels with a bad alias: %v, want a NotFoundError", err)
				}
				if auditCount(t, v) != before {
					t.Error("a refused ForLabels was logged as a read")
				}
			}
		})
	}
}

func auditCount(t *testing.T, v *Vault) int {
	t.Helper()
	es, err := v.AuditList(AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

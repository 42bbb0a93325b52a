package main

import (
	"bytes"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// An index entry deleted from outside must not turn into "no such
// customer" (exit 6): before answering that, find looks through every
// record's metadata for the searched tokens, and exits 7 if a record holds
// them. A find that really matches no one still exits 6.
func TestFindMissWithAnIndexEntryDeleted(t *testing.T) {
	for _, tc := range []struct {
		name    string
		deleted byte // index kind whose entry of the customer is deleted; 0: none
		wholeV1 bool // the whole index bucket deleted
		find    []string
		want    int
	}{
		{name: "email entry deleted, find by email", deleted: 'e', find: []string{"--email", "ADA@example.ng"}, want: exitIntegrity},
		{name: "name entry deleted, find by name", deleted: 'n', find: []string{"--name", "ada obi"}, want: exitIntegrity},
		{name: "name entry deleted, find by email and name", deleted: 'n', find: []string{"--email", "ada@example.ng", "--name", "Ada Obi"}, want: exitIntegrity},
		{name: "whole index deleted", wholeV1: true, find: []string{"--email", "ada@example.ng"}, want: exitIntegrity},
		{name: "email entry deleted, no one has this email and name", deleted: 'e', find: []string{"--email", "ada@example.ng", "--name", "Bo Bell"}, want: exitNotFound},
		{name: "email entry deleted, another email", deleted: 'e', find: []string{"--email", "nobody@example.ng"}, want: exitNotFound},
		{name: "nothing deleted, no such customer", find: []string{"--email", "nobody@example.ng"}, want: exitNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newKeyringScene(t)
			s.edit(func(tx *bolt.Tx) error {
				ib := tx.Bucket([]byte("index"))
				if tc.wholeV1 {
					return ib.DeleteBucket([]byte("v1"))
				}
				ada := recordKeyOf(t, tx, s.customer)
				var doomed [][]byte
				if err := ib.Bucket([]byte("v1")).ForEach(func(k, _ []byte) error {
					if k[0] == tc.deleted && bytes.HasSuffix(k, ada) {
						doomed = append(doomed, bytes.Clone(k))
					}
					return nil
				}); err != nil {
					return err
				}
				if tc.deleted != 0 && len(doomed) != 1 {
					t.Fatalf("found %d %c index entries of the customer", len(doomed), tc.deleted)
				}
				for _, k := range doomed {
					if err := ib.Bucket([]byte("v1")).Delete(k); err != nil {
						return err
					}
				}
				return nil
			})
			code, out, errs := s.run(s.owner, append([]string{"find", "--json"}, tc.find...)...)
			if code != tc.want {
				t.Fatalf("find %v: exit %d, want %d: %s%s", tc.find, code, tc.want, out, errs)
			}
			if tc.want == exitIntegrity && !strings.Contains(errs, "index entry was deleted from outside") {
				t.Fatalf("find %v: the message does not say what is wrong: %s", tc.find, errs)
			}
			for _, leak := range []string{"Ada", "Lagos", "Marina", s.customer} {
				if strings.Contains(out+errs, leak) {
					t.Fatalf("find %v shows the customer (%q): %s%s", tc.find, leak, out, errs)
				}
			}
		})
	}
}

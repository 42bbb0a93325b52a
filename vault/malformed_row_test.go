package vault

import (
	"strings"
	"testing"
)

// Issue 16: whether an import goes on after a refused row is decided by a
// sentinel, not by the word "malformed" in a message: a broken CSV row is
// reported and the rows after it are imported.
func TestImportGoesOnAfterAMalformedRow(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	defer v.Close()
	csv := "name,email,country\nAda Obi,ada@example.com,NG\nBad \"quote,bad@example.com,NG\nBola Ade,bola@example.com,NG\n"
	rows, err := NewRowReader(strings.NewReader(csv), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var problems []ImportProblem
	res, err := v.Import(rows, ImportOptions{Report: func(p ImportProblem) { problems = append(problems, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 2 || len(problems) != 1 || problems[0].Line != 3 {
		t.Fatalf("added %d, problems %+v; want 2 added and line 3 reported", res.Added, problems)
	}
}

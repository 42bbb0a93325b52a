package vault

import (
	"errors"
	"strings"
	"testing"
)

// Issue 16: whether an import goes on after a refused row is decided by a
// sentinel, not by the word "malformed" in a message: a broken CSV row is
// reported and the rows after it are imported.
func TestImportGoesOnAfterAMalformedRow(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	defer func() { must(t, v.Close()) }()
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

// Issue 16: vault errors carry no CLI words; the caller words the hint
// from the sentinel.
func TestNoCountryProblemIsTyped(t *testing.T) {
	f := newFixture(t)
	v := f.open(t)
	defer func() { must(t, v.Close()) }()
	rows, err := NewRowReader(strings.NewReader("name,phone\nAda Obi,0803 555 0101\n"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var problems []ImportProblem
	if _, err := v.Import(rows, ImportOptions{Report: func(p ImportProblem) { problems = append(problems, p) }}); err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || !errors.Is(problems[0].Err, ErrNoCountry) || strings.Contains(problems[0].Reason, "--") {
		t.Fatalf("problems %+v; want one ErrNoCountry without flag names", problems)
	}
	if _, err := v.Find(FindQuery{}); !errors.Is(err, ErrNoQuery) || strings.Contains(err.Error(), "--") {
		t.Fatalf("empty search: %v; want ErrNoQuery without flag names", err)
	}
}

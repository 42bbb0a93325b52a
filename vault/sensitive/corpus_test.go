package sensitive

import (
	"bufio"
	"os"
	"sort"
	"strings"
	"testing"
)

// TestCorpus measures the guard on testdata/corpus.tsv (issue 14): lines a
// shop owner might type, each labelled with the one category it holds or
// "-" for a value that must pass (phones, orders, tracking numbers, dates,
// postcodes, gate codes, IMEIs and other look-alikes). It prints recall
// and precision per category and fails below 98% recall or 99% precision.
func TestCorpus(t *testing.T) {
	f, err := os.Open("testdata/corpus.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read only: nothing to lose
	type score struct{ tp, fn, fp int }
	scores := map[Category]*score{}
	get := func(c Category) *score {
		if scores[c] == nil {
			scores[c] = &score{}
		}
		return scores[c]
	}
	s := bufio.NewScanner(f)
	line := 0
	for s.Scan() {
		line++
		label, text, ok := strings.Cut(s.Text(), "\t")
		if !ok || strings.HasPrefix(label, "#") {
			continue
		}
		found := CategoriesOf(Detect(text, ""))
		want := Category(label)
		hit := false
		for _, c := range found {
			if c == want {
				hit = true
				get(c).tp++
			} else {
				get(c).fp++
				t.Logf("line %d: %q: found %s, labelled %s", line, text, c, label)
			}
		}
		if label != "-" && !hit {
			get(want).fn++
			t.Logf("line %d: %q: missed %s", line, text, label)
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	cats := make([]string, 0, len(scores))
	for c := range scores {
		cats = append(cats, string(c))
	}
	sort.Strings(cats)
	for _, c := range cats {
		sc := scores[Category(c)]
		recall := ratio(sc.tp, sc.tp+sc.fn)
		precision := ratio(sc.tp, sc.tp+sc.fp)
		t.Logf("%-20s recall %6.2f%% (%d/%d)  precision %6.2f%% (%d/%d)", c, 100*recall, sc.tp, sc.tp+sc.fn, 100*precision, sc.tp, sc.tp+sc.fp)
		if recall < 0.98 || precision < 0.99 {
			t.Errorf("%s: recall %.2f%%, precision %.2f%%: want at least 98%% and 99%%", c, 100*recall, 100*precision)
		}
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

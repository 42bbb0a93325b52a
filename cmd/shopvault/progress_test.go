package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Issue 17 item 5: the bar fits narrow terminals and redraws in place.
func TestProgressLineFitsTheTerminal(t *testing.T) {
	for _, tc := range []struct {
		width       int
		done, total int
		want        []string
		not         []string
	}{
		{120, 2500, 5000, []string{"rotating  50%", "[", "2500/5000", "eta "}, nil},
		{80, 2500, 5000, []string{"rotating  50%", "[", "2500/5000", "eta "}, nil},
		{40, 2500, 5000, []string{"rotating  50%", "2500/5000"}, nil},
		{24, 2500, 5000, []string{"rotating  50%"}, []string{"["}},
		{8, 2500, 5000, []string{"rotatin"}, nil},
		{80, 0, 5000, []string{"  0%"}, nil},
		{80, 6000, 5000, []string{"100%", "5000/5000"}, nil},
		{40, 1234, 0, []string{"rotating 1234"}, nil},
	} {
		line := progressLine("rotating", progressItems, tc.done, tc.total, 2*time.Second, tc.width)
		if n := utf8.RuneCountInString(line); n >= tc.width {
			t.Errorf("width %d: line is %d columns: %q", tc.width, n, line)
		}
		for _, w := range tc.want {
			if !strings.Contains(line, w) {
				t.Errorf("width %d: %q lacks %q", tc.width, line, w)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(line, w) {
				t.Errorf("width %d: %q has %q", tc.width, line, w)
			}
		}
	}
}

func TestProgressBarRedrawsInPlace(t *testing.T) {
	var out bytes.Buffer
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	p := &progressBar{w: &out, width: func() int { return 40 }, now: func() time.Time { return now }, start: now, label: "rotating"}
	for done := 0; done < 5000; done += 1000 {
		now = now.Add(time.Second)
		p.update(done, 5000)
	}
	if strings.Contains(out.String(), "\n") {
		t.Fatalf("a new line before the end: %q", out.String())
	}
	for _, upd := range strings.Split(out.String(), "\r")[1:] {
		if !strings.HasSuffix(upd, "\x1b[K") || utf8.RuneCountInString(strings.TrimSuffix(upd, "\x1b[K")) >= 40 {
			t.Errorf("update %q is not one cleared line under 40 columns", upd)
		}
	}
	p.update(5000, 5000)
	if !strings.HasSuffix(out.String(), "\n") {
		t.Error("no new line when done")
	}

	// stopped before the end: clear leaves a clean line for the message
	out.Reset()
	p.update(2000, 5000)
	p.clear()
	if !strings.HasSuffix(out.String(), "\r\x1b[K") {
		t.Errorf("the bar's line is not cleared: %q", out.String())
	}
	out.Reset()
	p.clear()
	var none *progressBar
	none.clear()
	if out.Len() != 0 {
		t.Errorf("clear with no bar drawn wrote %q", out.String())
	}
}

// Issue 16: the import's byte-measured bar is drawn here (it was
// schollz/progressbar, whose net/http every process initialised).
func TestProgressLineInBytes(t *testing.T) {
	for _, tc := range []struct {
		width       int
		done, total int
		want, not   []string
	}{
		{100, 12_300_000, 30_700_000, []string{"importing  40%", "[", "12.3/30.7 MB", " 6.2 MB/s", "eta 3s"}, nil},
		{60, 12_300_000, 30_700_000, []string{"importing  40%", "12.3/30.7 MB", "6.2 MB/s"}, nil},
		{30, 12_300_000, 30_700_000, []string{"importing  40%"}, []string{"["}},
		{80, 0, 30_700_000, []string{"  0%", "  0.0/30.7 MB"}, []string{"eta"}},
		{80, 5_000_000, 0, []string{"importing 5.0 MB  2.5 MB/s"}, nil},
	} {
		line := progressLine("importing", progressBytes, tc.done, tc.total, 2*time.Second, tc.width)
		if n := utf8.RuneCountInString(line); n >= tc.width {
			t.Errorf("width %d: line is %d columns: %q", tc.width, n, line)
		}
		for _, w := range tc.want {
			if !strings.Contains(line, w) {
				t.Errorf("width %d: %q lacks %q", tc.width, line, w)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(line, w) {
				t.Errorf("width %d: %q has %q", tc.width, line, w)
			}
		}
	}
}

// The reader redraws on its first read and then at most five times a
// second, never at the end (the caller clears the line).
func TestProgressReaderThrottles(t *testing.T) {
	var out bytes.Buffer
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	bar := &progressBar{w: &out, width: func() int { return 80 }, now: func() time.Time { return now }, start: now, label: "importing", unit: progressBytes}
	data := strings.Repeat("x", 1000)
	r := &progressReader{r: strings.NewReader(data), bar: bar, total: len(data)}
	buf := make([]byte, 100)
	var draws []int
	for i := 0; ; i++ {
		before := strings.Count(out.String(), "\r")
		if _, err := r.Read(buf); err != nil {
			break
		}
		if strings.Count(out.String(), "\r") > before {
			draws = append(draws, i)
		}
		now = now.Add(50 * time.Millisecond)
	}
	if want := []int{0, 4, 8}; fmt.Sprint(draws) != fmt.Sprint(want) {
		t.Errorf("drawn at reads %v, want %v", draws, want)
	}
	if strings.Contains(out.String(), "100%") || strings.Contains(out.String(), "\n") {
		t.Errorf("the reader drew the end itself: %q", out.String())
	}
	bar.clear()
	if !strings.HasSuffix(out.String(), "\r\x1b[K") {
		t.Errorf("the line is not cleared: %q", out.String())
	}
}

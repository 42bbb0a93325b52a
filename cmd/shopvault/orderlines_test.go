package main

import (
	"strings"
	"testing"
)

func TestParseOrderLine(t *testing.T) {
	for _, tc := range []struct {
		in, alias, ref string
		ok             bool
	}{
		{"K7QM-4TXR-Z\tORD-1", "K7QM-4TXR-Z", "ORD-1", true},
		{"K7QM-4TXR-Z,ORD-1", "K7QM-4TXR-Z", "ORD-1", true},
		{"K7QM-4TXR-Z, ORD-1", "K7QM-4TXR-Z", "ORD-1", true},
		{"K7QM-4TXR-Z   ORD-1", "K7QM-4TXR-Z", "ORD-1", true},
		{"  K7QM-4TXR-Z\t \tORD 1042  ", "K7QM-4TXR-Z", "ORD 1042", true},
		{"K7QM-4TXR-Z", "K7QM-4TXR-Z", "", true},
		{"K7QM-4TXR-Z,", "K7QM-4TXR-Z", "", true},
		{"\ufeffK7QM-4TXR-Z\tORD-1", "K7QM-4TXR-Z", "ORD-1", true},
		{"K7QM-4TXR-Z\tORD-1\r", "K7QM-4TXR-Z", "ORD-1", true},
		{",ORD-1", "", "ORD-1", true}, // a bad line, named by number later
		{"", "", "", false},
		{"   \t", "", "", false},
		{"# this week's orders", "", "", false},
	} {
		alias, ref, ok := parseOrderLine(tc.in)
		if alias != tc.alias || ref != tc.ref || ok != tc.ok {
			t.Errorf("parseOrderLine(%q) = %q, %q, %v; want %q, %q, %v", tc.in, alias, ref, ok, tc.alias, tc.ref, tc.ok)
		}
	}
}

func TestReadOrderLinesNumbersEveryLine(t *testing.T) {
	lines, err := readOrderLines(strings.NewReader("# header\nA1\n\nB2,r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 || lines[0].Line != 2 || lines[1].Line != 4 || lines[1].Ref != "r" {
		t.Fatalf("lines = %+v", lines)
	}
	// An empty day is not an error for ship -; label - refuses it itself.
	if lines, err := readOrderLines(strings.NewReader("\n# nothing\n")); err != nil || len(lines) != 0 {
		t.Fatalf("an empty batch: %v, %v; want no lines and no error", lines, err)
	}
}

// FuzzParseOrderLine: a line that is not skipped has an alias with no
// separator in it or a reference (or both), trimmed; it never panics.
func FuzzParseOrderLine(f *testing.F) {
	for _, s := range []string{"K7QM-4TXR-Z\tORD-1", "a,b,c", " , ", "#", "\ufeff", "x\u00a0y", "A  B\tC"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		alias, ref, ok := parseOrderLine(s)
		if !ok {
			if alias != "" || ref != "" {
				t.Fatalf("skipped line returned %q %q", alias, ref)
			}
			return
		}
		if strings.ContainsAny(alias, ", \t\n") || alias == "" && ref == "" {
			t.Fatalf("alias %q from %q", alias, s)
		}
		if ref != strings.TrimSpace(ref) {
			t.Fatalf("ref %q not trimmed", ref)
		}
	})
}

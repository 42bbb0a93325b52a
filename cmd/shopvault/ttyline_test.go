package main

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadTTYLine(t *testing.T) {
	broken := errors.New("terminal gone")
	for _, tc := range []struct {
		name    string
		in      io.Reader
		want    string
		wantErr error
	}{
		{"Enter ends the line", strings.NewReader("copper lantern\nrest"), "copper lantern", nil},
		{"a carriage return is dropped", strings.NewReader("yes\r\n"), "yes", nil},
		{"a backspace takes back a byte", strings.NewReader("cop\bpper\b\b\bper\n"), "copper", nil},
		{"a backspace at the start is nothing", strings.NewReader("\b\bok\n"), "ok", nil},
		{"an empty line", strings.NewReader("\n"), "", nil},
		{"the end after some typing counts", strings.NewReader("partial"), "partial", nil},
		{"the end before any typing", strings.NewReader(""), "", io.EOF},
		{"a read error before any typing", iotest.ErrReader(broken), "", broken},
		{"a read error after some typing", io.MultiReader(strings.NewReader("half"), iotest.ErrReader(broken)), "half", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readTTYLine(tc.in)
			if string(got) != tc.want || !errors.Is(err, tc.wantErr) {
				t.Fatalf("readTTYLine: %q %v, want %q %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

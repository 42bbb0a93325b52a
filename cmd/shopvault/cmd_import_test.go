package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// import --dry-run on a terminal masks the values it previews: enough to
// check the mapping, not enough for someone behind the owner (issue 15).
func TestPreviewMasksOnTerminal(t *testing.T) {
	rows := []previewRow{{line: 2, fields: map[string]string{
		"name": "Adébáyọ̀ Ọládípọ̀", "email": "adebayo@example.ng", "phone": "+2348031234567", "city": "Yaba", "country": "NG",
	}}}
	for _, tc := range []struct {
		mask       bool
		want, hide []string
	}{
		{true, []string{"row 2:", "name=A", "email=a", "@example.ng", "phone=+234", "67", "city=Y•••", "country=NG", "masked"}, []string{"Adébáyọ̀", "adebayo@", "8031234567", "Yaba"}},
		{false, []string{"name=Adébáyọ̀ Ọládípọ̀", "email=adebayo@example.ng", "phone=+2348031234567", "city=Yaba"}, []string{"masked"}},
	} {
		var out bytes.Buffer
		printPreview(&out, rows, tc.mask)
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("mask=%v: %q missing from\n%s", tc.mask, w, out.String())
			}
		}
		for _, h := range tc.hide {
			if strings.Contains(out.String(), h) {
				t.Errorf("mask=%v: %q shown in\n%s", tc.mask, h, out.String())
			}
		}
	}
}

// On a terminal the import shows a progress bar measured in bytes of the
// file (percentage, rate, time left); piped, it stays quiet (issue 15).
func TestImportProgressBarOnTerminal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.csv")
	data := "name,email\n" + strings.Repeat("Ada Obi,ada@example.com\n", 20000)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tty := range []bool{true, false} {
		env, _, errOut := testEnv(t, "")
		env.StderrIsTTY = tty
		src, bar, closeSrc, err := importInput(env, path)
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, src)
		closeSrc()
		if err != nil || n != int64(len(data)) {
			t.Fatalf("read %d bytes, %v", n, err)
		}
		if bar != tty {
			t.Errorf("tty=%v: bar=%v", tty, bar)
		}
		// "importing  40% [####......] 0.2/0.5 MB 226.0 MB/s eta 0s": percentage, size, rate, time left
		for _, want := range []string{"importing", "%", "/0.5 MB", "MB/s", "eta "} {
			if tty && !strings.Contains(errOut.String(), want) {
				t.Errorf("progress on a terminal lacks %q: %q", want, errOut.String())
			}
		}
		if !tty && errOut.Len() != 0 {
			t.Errorf("progress written when not a terminal: %q", errOut.String())
		}
	}
}

package vaultfixture

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write([]byte("bolt bytes")); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, content, want, wantErr string
	}{
		{name: "v.db.gz", content: gz.String(), want: "bolt bytes"},
		{name: "plain.db.gz", content: "bolt bytes", wantErr: "plain.db.gz: gzip: invalid header"},
		{name: "cut.db.gz", content: gz.String()[:gz.Len()-4], wantErr: "cut.db.gz: unexpected EOF"},
		{name: "missing.db.gz", wantErr: "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			if tc.name != "missing.db.gz" {
				if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			got, err := Read(path)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Read: %q %v, want an error with %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("Read: %q %v, want %q", got, err, tc.want)
			}
		})
	}
}

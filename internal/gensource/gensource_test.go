package gensource

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x_gen.go")
	if err := Write(path, []byte("package x\nvar   a  =   1\n")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "package x\n\nvar a = 1\n" {
		t.Fatalf("written %q, want it gofmt'd", got)
	}
	if err := Write(filepath.Join(dir, "bad.go"), []byte("package x\nfunc {")); err == nil {
		t.Fatal("invalid Go was written")
	}
}

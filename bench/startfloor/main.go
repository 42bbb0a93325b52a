// Command startfloor is the floor of find's start-up (issue 16): in a bare
// Go process, only the cryptography and the disk syncs that find on a
// one-customer vault cannot skip. It parses an age X25519 identity, unwraps
// two keys wrapped to it (the index key and the state key), derives the
// Ed25519 signing key from the identity, verifies two signatures (the
// policy and the state head) and signs one (the new head), and writes four
// pages and then a meta page of a file with an fdatasync after each, as a
// bbolt commit of the access-log entry does. No CLI, no vault, no JSON.
//
//	startfloor -setup DIR    # writes the identity, wrapped keys and signatures
//	startfloor DIR           # the measured run
//	startfloor -nosync DIR   # the cryptography alone
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"filippo.io/age"
)

var messages = [][]byte{[]byte("policy"), []byte("head")}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "-setup" {
		setup(os.Args[2])
		return
	}
	if len(os.Args) == 3 && os.Args[1] == "-nosync" {
		run(os.Args[2], false)
		return
	}
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: startfloor [-setup|-nosync] DIR")
		os.Exit(2)
	}
	run(os.Args[1], true)
}

func run(dir string, sync bool) {
	id := identity(dir)
	for _, name := range []string{"index.age", "state.age"} {
		blob := read(dir, name)
		r, size, err := age.DecryptReaderAt(bytes.NewReader(blob), int64(len(blob)), id)
		must(err)
		key := make([]byte, size)
		if _, err := r.ReadAt(key, 0); err != nil && err != io.EOF {
			must(err)
		}
	}
	priv := signingKey(id)
	for i, msg := range messages {
		if !ed25519.Verify(priv.Public().(ed25519.PublicKey), msg, read(dir, fmt.Sprintf("sig%d", i))) {
			must(fmt.Errorf("signature %d does not verify", i))
		}
	}
	ed25519.Sign(priv, []byte("next head"))
	if sync {
		commit(dir)
	}
	fmt.Println("ok")
}

// commit writes as a bbolt commit does: the changed pages, fdatasync, the
// meta page, fdatasync.
func commit(dir string) {
	f, err := os.OpenFile(filepath.Join(dir, "db"), os.O_RDWR|os.O_CREATE, 0o600)
	must(err)
	page := make([]byte, 4096)
	for i := range 4 {
		_, err := f.WriteAt(page, int64(2+i)*4096)
		must(err)
	}
	must(syscall.Fdatasync(int(f.Fd())))
	_, err = f.WriteAt(page, 4096)
	must(err)
	must(syscall.Fdatasync(int(f.Fd())))
	must(f.Close())
}

func setup(dir string) {
	must(os.MkdirAll(dir, 0o700))
	id, err := age.GenerateX25519Identity()
	must(err)
	must(os.WriteFile(filepath.Join(dir, "id.txt"), []byte(id.String()+"\n"), 0o600))
	for _, name := range []string{"index.age", "state.age"} {
		var buf bytes.Buffer
		w, err := age.Encrypt(&buf, id.Recipient())
		must(err)
		key := make([]byte, 32)
		_, err = rand.Read(key)
		must(err)
		_, err = w.Write(key)
		must(err)
		must(w.Close())
		must(os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o600))
	}
	priv := signingKey(id)
	for i, msg := range messages {
		must(os.WriteFile(filepath.Join(dir, fmt.Sprintf("sig%d", i)), ed25519.Sign(priv, msg), 0o600))
	}
}

func identity(dir string) *age.X25519Identity {
	id, err := age.ParseX25519Identity(string(bytes.TrimSpace(read(dir, "id.txt"))))
	must(err)
	return id
}

// signingKey derives the signing key as crypto.DeriveSigningKey does.
func signingKey(id *age.X25519Identity) ed25519.PrivateKey {
	seed, err := hkdf.Key(sha256.New, []byte(id.String()), nil, "shopvault signing key v1", ed25519.SeedSize)
	must(err)
	return ed25519.NewKeyFromSeed(seed)
}

func read(dir, name string) []byte {
	data, err := os.ReadFile(filepath.Join(dir, name))
	must(err)
	return data
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "startfloor:", err)
		os.Exit(1)
	}
}

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"time"
)

// startupRuns is how many times each process is started: the machine is
// shared and noisy, so the minimum and the median of many interleaved
// runs are compared.
const startupRuns = 100

// measureStartup compares find on a small vault with a Go hello world,
// started alternately as bare processes (issue 16: within 3×), and with
// the floor of find's own work: its cryptography and disk syncs alone, in a
// bare Go process (bench/startfloor).
func measureStartup(bin string) {
	hello := filepath.Join(*dataDir, "hello")
	goBuild(hello, "./bench/hello")
	floorBin := filepath.Join(*dataDir, "startfloor")
	goBuild(floorBin, "./bench/startfloor")
	dir := filepath.Join(*dataDir, "startup")
	must(os.RemoveAll(dir))
	must(os.MkdirAll(dir, 0o700))
	floorDir := filepath.Join(dir, "floor")
	timeProcess(floorBin, "-setup", floorDir)
	vaultPath, id := filepath.Join(dir, "v.db"), filepath.Join(dir, "id.txt")
	sv(bin, nil, "--vault", vaultPath, "init", "--identity-out", id)
	base := []string{"--vault", vaultPath, "--identity", id}
	sv(bin, nil, append(base, "add", "--name", "Ngozi Okafor", "--email", "ngozi@example.ng", "--country", "NG", "--phone", "0803 555 0101")...)
	find := append(base, "find", "--email", "ngozi@example.ng")
	var helloT, findT, versionT, cryptoT, floorT []time.Duration
	for range startupRuns {
		helloT = append(helloT, timeProcess(hello))
		findT = append(findT, timeProcess(bin, find...))
		versionT = append(versionT, timeProcess(bin, "version"))
		cryptoT = append(cryptoT, timeProcess(floorBin, "-nosync", floorDir))
		floorT = append(floorT, timeProcess(floorBin, floorDir))
	}
	for _, t := range [][]time.Duration{helloT, findT, versionT, cryptoT, floorT} {
		sort.Slice(t, func(i, j int) bool { return t[i] < t[j] })
	}
	mid := startupRuns / 2
	fmt.Printf("| – | Go hello world (whole process) | %s | %s | | yardstick |\n", dur(helloT[0]), dur(helloT[mid]))
	fmt.Printf("| – | `version` (whole process) | %s | %s | | %.1f× / %.1f× hello |\n", dur(versionT[0]), dur(versionT[mid]),
		ratio(versionT[0], helloT[0]), ratio(versionT[mid], helloT[mid]))
	fmt.Printf("| – | `find --email`, 1 customer (whole process) | %s | %s | | %.1f× / %.1f× hello (min / median); target ≤ 3× |\n", dur(findT[0]), dur(findT[mid]),
		ratio(findT[0], helloT[0]), ratio(findT[mid], helloT[mid]))
	fmt.Printf("| – | floor: find's cryptography alone, bare Go process | %s | %s | | %.1f× / %.1f× hello |\n", dur(cryptoT[0]), dur(cryptoT[mid]),
		ratio(cryptoT[0], helloT[0]), ratio(cryptoT[mid], helloT[mid]))
	fmt.Printf("| – | floor: find's cryptography and two fdatasyncs | %s | %s | | %.1f× / %.1f× hello |\n", dur(floorT[0]), dur(floorT[mid]),
		ratio(floorT[0], helloT[0]), ratio(floorT[mid], helloT[mid]))
}

func timeProcess(bin string, args ...string) time.Duration {
	cmd := exec.Command(bin, args...)
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "%s %v: %v\n%s", bin, args, err, out)
		os.Exit(1)
	}
	return time.Since(start)
}

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }

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
const startupRuns = 60

// measureStartup compares find on a small vault with a Go hello world,
// started alternately as bare processes (issue 16: within 3×).
func measureStartup(bin string) {
	hello := filepath.Join(*dataDir, "hello")
	goBuild(hello, "./bench/hello")
	dir := filepath.Join(*dataDir, "startup")
	must(os.RemoveAll(dir))
	must(os.MkdirAll(dir, 0o700))
	vaultPath, id := filepath.Join(dir, "v.db"), filepath.Join(dir, "id.txt")
	sv(bin, nil, "--vault", vaultPath, "init", "--identity-out", id)
	base := []string{"--vault", vaultPath, "--identity", id}
	sv(bin, nil, append(base, "add", "--name", "Ngozi Okafor", "--email", "ngozi@example.ng", "--country", "NG", "--phone", "0803 555 0101")...)
	find := append(base, "find", "--email", "ngozi@example.ng")
	var helloT, findT, versionT []time.Duration
	for range startupRuns {
		helloT = append(helloT, timeProcess(hello))
		findT = append(findT, timeProcess(bin, find...))
		versionT = append(versionT, timeProcess(bin, "version"))
	}
	for _, t := range [][]time.Duration{helloT, findT, versionT} {
		sort.Slice(t, func(i, j int) bool { return t[i] < t[j] })
	}
	mid := startupRuns / 2
	fmt.Printf("| – | Go hello world (whole process) | %s | %s | | yardstick |\n", dur(helloT[0]), dur(helloT[mid]))
	fmt.Printf("| – | `version` (whole process) | %s | %s | | %.1f× / %.1f× hello |\n", dur(versionT[0]), dur(versionT[mid]),
		ratio(versionT[0], helloT[0]), ratio(versionT[mid], helloT[mid]))
	fmt.Printf("| – | `find --email`, 1 customer (whole process) | %s | %s | | %.1f× / %.1f× hello (min / median); target ≤ 3× |\n", dur(findT[0]), dur(findT[mid]),
		ratio(findT[0], helloT[0]), ratio(findT[mid], helloT[mid]))
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

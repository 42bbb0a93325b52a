// Command bench measures shopvault against the targets of issue 8 on this
// machine: whole-process timings of the real binary, min and median of
// several runs, at the sizes given. Generated data stays in bench/data
// (git-ignored). Usage (from the repository root):
//
//	go run ./bench -sizes 10000,100000 -runs 5
package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"filippo.io/age"
)

var (
	sizesFlag = flag.String("sizes", "10000,100000", "customer counts to measure")
	runs      = flag.Int("runs", 3, "runs per figure (min and median reported)")
	dataDir   = flag.String("data", "bench/data", "where generated CSVs and vaults go")
	genTool   = flag.String("gen", "../shared/tools/gen_customers.py", "the customer generator")
	only      = flag.String("only", "", "comma-separated subset: startup,import,floor,find,show,label,purge,rotate,size,naive")
)

type sample struct {
	wall time.Duration
	rss  int64 // KiB
}

func main() {
	flag.Parse()
	bin := filepath.Join(*dataDir, "shopvault")
	must(os.MkdirAll(*dataDir, 0o700))
	goBuild(bin, "./cmd/shopvault")
	fmt.Printf("| size | work | min | median | max RSS | notes |\n| --- | --- | --- | --- | --- | --- |\n")
	if want("startup") {
		measureStartup(bin)
	}
	for _, s := range strings.Split(*sizesFlag, ",") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(s))
		must(err)
		measureSize(bin, n)
	}
}

func want(name string) bool {
	if *only == "" {
		return true
	}
	for _, o := range strings.Split(*only, ",") {
		if o == name {
			return true
		}
	}
	return false
}

func measureSize(bin string, n int) {
	csvPath := filepath.Join(*dataDir, fmt.Sprintf("c%d.csv", n))
	if _, err := os.Stat(csvPath); err != nil {
		out, err := os.Create(csvPath)
		must(err)
		cmd := exec.Command("python3", *genTool, strconv.Itoa(n), "1")
		cmd.Stdout = out
		cmd.Stderr = os.Stderr
		must(cmd.Run())
		must(out.Close())
	}
	dated := datedCSV(csvPath)
	csvInfo, _ := os.Stat(csvPath)
	dir := filepath.Join(*dataDir, fmt.Sprintf("v%d", n))
	must(os.RemoveAll(dir))
	must(os.MkdirAll(dir, 0o700))
	vaultPath := filepath.Join(dir, "v.db")
	id := filepath.Join(dir, "id.txt")
	base := []string{"--vault", vaultPath, "--identity", id}
	fresh := func() {
		must(removeIfThere(vaultPath))
		must(removeIfThere(id))
		sv(bin, nil, "--vault", vaultPath, "init", "--identity-out", id)
	}

	if want("import") {
		var ss []sample
		for i := 0; i < *runs; i++ {
			fresh()
			ss = append(ss, sv(bin, nil, append(base, "import", dated)...))
		}
		report(n, "import (CSV → normalised, sealed, indexed)", ss, "")
	}
	if want("floor") {
		var ss []sample
		for i := 0; i < *runs; i++ {
			start := time.Now()
			floor(dated, filepath.Join(dir, "floor.db"))
			ss = append(ss, sample{wall: time.Since(start)})
		}
		report(n, "floor: raw bbolt puts + sealing, no CLI", ss, "in-process")
	}
	fresh()
	sv(bin, nil, append(base, "import", dated)...)
	email, alias := pickCustomer(bin, base, csvPath)
	if want("find") {
		var ss []sample
		for i := 0; i < *runs*3; i++ {
			ss = append(ss, svQuick(bin, append(base, "find", "--email", strings.ToUpper(email), "--json")...))
		}
		report(n, "find --email (whole process)", ss, "")
	}
	if want("show") {
		var ss []sample
		for i := 0; i < *runs*3; i++ {
			ss = append(ss, svQuick(bin, append(base, "show", alias, "--json")...))
		}
		report(n, "show ALIAS (whole process)", ss, "")
	}
	if want("label") {
		aliases := firstAliases(bin, base, 1000)
		var ss []sample
		for i := 0; i < *runs; i++ {
			ss = append(ss, sv(bin, []byte(strings.Join(aliases, "\n")), append(base, "label", "-", "-o", filepath.Join(dir, "labels.pdf"))...))
		}
		report(n, fmt.Sprintf("label - (%d aliases → 4x6 PDF)", len(aliases)), ss, "")
	}
	if want("size") {
		sv(bin, nil, append(base, "compact")...)
		st, _ := os.Stat(vaultPath)
		fmt.Printf("| %d | vault size after compact | %.1f MB | %.1f× CSV (%.1f MB) | | |\n", n, mb(st.Size()), float64(st.Size())/float64(csvInfo.Size()), mb(csvInfo.Size()))
	}
	if want("rotate") {
		var ss []sample
		for i := 0; i < *runs; i++ {
			ss = append(ss, sv(bin, nil, append(base, "rotate", "--group", "all")...))
		}
		report(n, "rotate --group all (with compaction)", ss, "")
	}
	if want("purge") {
		rules := filepath.Join(dir, "rules.toml")
		must(os.WriteFile(rules, []byte("[[rule]]\nname = \"old\"\nwhen = \"created\"\nolder_than = \"2y\"\naction = \"erase\"\n"), 0o600))
		var ss []sample
		for i := 0; i < *runs; i++ {
			fresh()
			sv(bin, nil, append(base, "import", dated)...)
			ss = append(ss, sv(bin, nil, "--vault", vaultPath, "purge", "--rules", rules, "--apply"))
		}
		report(n, "purge --apply erasing 10% (compaction included, keyless)", ss, "")
	}
	if want("naive") {
		naive(n, csvPath, email, dir)
	}
}

// datedCSV adds a created column: every tenth customer is back-dated to
// 2020 so purge has 10% to erase.
func datedCSV(path string) string {
	out := strings.TrimSuffix(path, ".csv") + "-dated.csv"
	if _, err := os.Stat(out); err == nil {
		return out
	}
	in, err := os.Open(path)
	must(err)
	defer func() { _ = in.Close() }() // read only: nothing to lose
	r := csv.NewReader(in)
	f, err := os.Create(out)
	must(err)
	w := csv.NewWriter(f)
	for i := 0; ; i++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		must(err)
		switch {
		case i == 0:
			rec = append(rec, "created")
		case i%10 == 0:
			rec = append(rec, "2020-01-01")
		default:
			rec = append(rec, "")
		}
		must(w.Write(rec))
	}
	w.Flush()
	must(w.Error())
	must(f.Close())
	return out
}

// sv runs shopvault under /usr/bin/time: the child's own peak RSS (rusage
// from wait4 would include this bench process's memory, shared with the
// child between fork and exec).
func sv(bin string, stdin []byte, args ...string) sample {
	rssFile := filepath.Join(*dataDir, "rss.txt")
	cmd := exec.Command("/usr/bin/time", append([]string{"-f", "%M", "-o", rssFile, bin}, args...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stderr bytes.Buffer
	cmd.Stdout = io.Discard
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil && !strings.Contains(stderr.String(), "rows were refused") {
		fmt.Fprintf(os.Stderr, "shopvault %v: %v\n%s", args, err, stderr.String())
		os.Exit(1)
	}
	data, _ := os.ReadFile(rssFile)
	rss, _ := strconv.ParseInt(strings.TrimSpace(lastLine(string(data))), 10, 64)
	return sample{wall: wall, rss: rss}
}

// svQuick times a short command as the bare process (/usr/bin/time would
// add its own start-up, ~6 ms, to a ~25 ms figure) and takes the peak RSS
// from a second run under /usr/bin/time.
func svQuick(bin string, args ...string) sample {
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "shopvault %v: %v\n%s", args, err, stderr.String())
		os.Exit(1)
	}
	wall := time.Since(start)
	s := sv(bin, nil, args...)
	s.wall = wall
	return s
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func svOut(bin string, args ...string) []byte {
	out, err := exec.Command(bin, args...).Output()
	must(err)
	return out
}

func pickCustomer(bin string, base []string, csvPath string) (string, string) {
	f, err := os.Open(csvPath)
	must(err)
	defer func() { _ = f.Close() }() // read only: nothing to lose
	r := csv.NewReader(f)
	_, err = r.Read() // the header
	must(err)
	var email string
	for i := 0; i < 500; i++ {
		rec, err := r.Read()
		must(err)
		email = rec[1]
	}
	var found []map[string]any
	must(json.Unmarshal(svOut(bin, append(base, "find", "--email", email, "--json")...), &found))
	return email, found[0]["alias"].(string)
}

func firstAliases(bin string, base []string, k int) []string {
	var list []map[string]any
	must(json.Unmarshal(svOut(bin, append(base, "list", "--json")...), &list))
	var out []string
	for _, c := range list {
		if len(out) == k {
			break
		}
		out = append(out, c["alias"].(string))
	}
	return out
}

// naive is the setup shopvault replaces: the customer CSV kept as one age
// file; a lookup decrypts it, searches, and re-encrypts it.
func naive(n int, csvPath, email, dir string) {
	id, _ := age.GenerateX25519Identity()
	enc := filepath.Join(dir, "customers.csv.age")
	plain, err := os.ReadFile(csvPath)
	must(err)
	writeAge(enc, plain, id.Recipient())
	var ss []sample
	for i := 0; i < *runs; i++ {
		start := time.Now()
		f, err := os.Open(enc)
		must(err)
		r, err := age.Decrypt(bufio.NewReader(f), id)
		must(err)
		all, err := io.ReadAll(r)
		must(err)
		must(f.Close())
		found := 0
		for _, line := range bytes.Split(all, []byte("\n")) {
			if bytes.Contains(bytes.ToLower(line), []byte(strings.ToLower(email))) {
				found++
			}
		}
		writeAge(enc, all, id.Recipient())
		ss = append(ss, sample{wall: time.Since(start)})
		if found == 0 {
			panic("naive search found nothing")
		}
	}
	report(n, "naive: age -d the CSV, search, re-encrypt", ss, "in-process, no process start")
}

func writeAge(path string, data []byte, r age.Recipient) {
	f, err := os.Create(path)
	must(err)
	w, err := age.Encrypt(f, r)
	must(err)
	_, err = w.Write(data)
	must(err)
	must(w.Close())
	must(f.Close())
}

func report(n int, what string, ss []sample, note string) {
	sort.Slice(ss, func(i, j int) bool { return ss[i].wall < ss[j].wall })
	var rss int64
	for _, s := range ss {
		rss = max(rss, s.rss)
	}
	rssText := ""
	if rss > 0 {
		rssText = fmt.Sprintf("%d MB", rss/1024)
	}
	fmt.Printf("| %d | %s | %s | %s | %s | %s |\n", n, what, dur(ss[0].wall), dur(ss[len(ss)/2].wall), rssText, note)
}

func dur(d time.Duration) string {
	if d < 10*time.Millisecond {
		// process start-ups: a tenth of a millisecond is 7% of hello world
		return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000)
	}
	if d < time.Second {
		return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func mb(b int64) float64 { return float64(b) / 1e6 }

// goBuild builds a command as README.md tells people to install it:
// without cgo, a static binary (shopvault uses no C; the dynamic loader,
// libc and cgo's thread start-up cost ~1.6 ms of CPU per process).
func goBuild(out, pkg string) {
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	must(cmd.Run())
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// removeIfThere removes path; a path already gone is not an error.
func removeIfThere(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

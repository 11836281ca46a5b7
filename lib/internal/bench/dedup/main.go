// Command dedup is `make bench-dedup`: it generates at least 200,000 rows /
// 200 MB of chat JSONL from the real files in ../shared with word-level
// edits, runs bin/ff-dedup end to end and its signatures stage, and runs the
// peer, github.com/ekzhu/minhash-lsh (same text, same normalization, same
// word 5-grams, 112 hash functions, LSH at 0.8), on the same rows. It prints
// rows/s, MB/s per core, peak RSS, both measurements and the ratio, and a
// memory check: the same number of rows with 4x longer text.
// Targets: ff-dedup >= 3x faster than the peer end to end; signature stage
// >= 50 MB/s per core (CPU time); peak RSS not growing with text length.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

var tmpDir string

func main() {
	rows := flag.Int("rows", 200_000, "rows to generate")
	minMB := flag.Float64("mb", 200, "generate at least this many MB (more rows if needed)")
	runs := flag.Int("runs", 1, "runs of each command; the fastest counts (the machine is shared)")
	bin := flag.String("bin", "bin/ff-dedup", "the ff-dedup binary")
	peer := flag.String("peer-run", "", "internal: run the peer on this file")
	genOnly := flag.String("generate", "", "internal: only write the generated input to this file")
	paras := flag.Int("paragraphs", 1, "internal: real paragraphs per turn of a generated row")
	seed := flag.Uint64("seed", 1, "internal: generator seed")
	flag.Parse()
	if *peer != "" {
		runPeer(*peer)
		return
	}
	if *genOnly != "" {
		c, err := loadCorpus(findShared())
		check(err)
		size, err := generate(c, *genOnly, *rows, *paras, *seed)
		check(err)
		fmt.Println(size)
		return
	}
	if _, err := os.Stat(*bin); err != nil {
		check(fmt.Errorf("%s: %v (run make build first)", *bin, err))
	}
	dir, err := os.MkdirTemp("", "ff-bench-dedup-")
	check(err)
	tmpDir = dir
	defer os.RemoveAll(dir)

	self, err := os.Executable()
	check(err)
	// The generator runs in its own process: a child's peak RSS as wait4
	// reports it includes its parent's at the time of the fork, so the
	// parent must stay small.
	gen := func(path string, rows, paragraphs int, seed uint64) int64 {
		out, err := exec.Command(self, "-generate", path, "-rows", strconv.Itoa(rows),
			"-paragraphs", strconv.Itoa(paragraphs), "-seed", strconv.FormatUint(seed, 10)).Output()
		check(err)
		n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
		check(err)
		return n
	}
	in := filepath.Join(dir, "chat.jsonl")
	n := *rows
	var size int64
	for {
		size = gen(in, n, 1, 1)
		if float64(size)/1e6 >= *minMB {
			break
		}
		n = int(float64(n) * (*minMB * 1e6 / float64(size)) * 1.02)
	}
	mb := float64(size) / 1e6
	cores := runtime.NumCPU()
	fmt.Printf("input: %d rows, %.1f MB of chat JSONL generated from ../shared/data/real/self-instruct (12%% words replaced per original; 20%% near copies with 4%% word edits; 5%% exact copies; seed 1)\n", n, mb)
	fmt.Printf("machine: %d cores; every program uses all of them\n", cores)

	// ff-dedup end to end: read, signatures, LSH, Jaccard verification, clusters, output.
	ff := best(*runs, *bin, "-q", "--clusters", filepath.Join(dir, "clusters.jsonl"), "-o", filepath.Join(dir, "kept.jsonl"), in)
	kept := countLines(filepath.Join(dir, "kept.jsonl"))
	fmt.Printf("ff-dedup end to end:   %6.2fs wall, %6.2fs CPU, %7.0f rows/s, %5.1f MB/s (%5.1f MB/s per core of CPU time), peak RSS %4.0f MB; kept %d of %d rows\n",
		ff.wall.Seconds(), ff.cpu.Seconds(), float64(n)/ff.wall.Seconds(), mb/ff.wall.Seconds(), mb/ff.cpu.Seconds(), ff.rss, kept, n)

	// Stage 1 alone: parse, extract, normalize, shingle, MinHash, band keys, fingerprints.
	sig := best(*runs, *bin, "signatures", "-q", "-o", filepath.Join(dir, "sig.bin"), in)
	sigPerCore := mb / sig.cpu.Seconds()
	fmt.Printf("ff-dedup signatures:   %6.2fs wall, %6.2fs CPU, %7.0f rows/s, %5.1f MB/s (%5.1f MB/s per core of CPU time; %5.1f MB/s wall / %d cores), peak RSS %4.0f MB\n",
		sig.wall.Seconds(), sig.cpu.Seconds(), float64(n)/sig.wall.Seconds(), mb/sig.wall.Seconds(), sigPerCore, mb/sig.wall.Seconds()/float64(cores), cores, sig.rss)

	// The peer, in its own process.
	var peerOut string
	pr := bestOut(*runs, &peerOut, self, "-peer-run", in)
	fs := strings.Fields(peerOut)
	if len(fs) != 6 {
		check(fmt.Errorf("peer printed %q", peerOut))
	}
	peerSig, _ := strconv.ParseFloat(fs[1], 64)
	peerLSH, _ := strconv.ParseFloat(fs[2], 64)
	fmt.Printf("peer ekzhu/minhash-lsh: %5.2fs wall, %6.2fs CPU, %7.0f rows/s, %5.1f MB/s (%5.1f MB/s per core of CPU time), peak RSS %4.0f MB; signatures %.2fs, LSH add+index+query %.2fs, %s candidate pairs (k=%s, l=%s), no verification\n",
		pr.wall.Seconds(), pr.cpu.Seconds(), float64(n)/pr.wall.Seconds(), mb/pr.wall.Seconds(), mb/pr.cpu.Seconds(), pr.rss, peerSig, peerLSH, fs[3], fs[4], fs[5])

	ratio := pr.wall.Seconds() / ff.wall.Seconds()
	fmt.Printf("ratio: ff-dedup end to end is %.1fx faster than the peer's signatures + LSH (target >= 3x); signature stage %.1f MB/s per core (target >= 50)\n", ratio, sigPerCore)

	// Memory must follow rows, not text: same rows, 4x the text per row.
	short := filepath.Join(dir, "short.jsonl")
	long := filepath.Join(dir, "long.jsonl")
	const memRows = 50_000
	sShort := gen(short, memRows, 1, 2)
	sLong := gen(long, memRows, 4, 2)
	ms := best(1, *bin, "-q", "-o", filepath.Join(dir, "o1.jsonl"), short)
	ml := best(1, *bin, "-q", "-o", filepath.Join(dir, "o2.jsonl"), long)
	growth := ml.rss / ms.rss
	fmt.Printf("memory: %d rows of %.0f MB: peak RSS %.0f MB; %d rows of %.0f MB (%.1fx the text): peak RSS %.0f MB (%.2fx)\n",
		memRows, float64(sShort)/1e6, ms.rss, memRows, float64(sLong)/1e6, float64(sLong)/float64(sShort), ml.rss, growth)

	if ratio >= 3 && sigPerCore >= 50 && growth < 1.5 {
		fmt.Println("PASS")
	} else {
		fmt.Println("FAIL")
		os.Exit(1)
	}
}

type measure struct {
	wall, cpu time.Duration
	rss       float64 // MB
}

func best(runs int, name string, args ...string) measure {
	var out string
	return bestOut(runs, &out, name, args...)
}

// bestOut runs a command runs times; the fastest run's wall and CPU time
// count, with the largest peak RSS (wait4's rusage) of all runs.
func bestOut(runs int, out *string, name string, args ...string) measure {
	var m measure
	for i := 0; i < runs; i++ {
		cmd := exec.Command(name, args...)
		cmd.Stderr = os.Stderr
		start := time.Now()
		b, err := cmd.Output()
		if err != nil {
			check(fmt.Errorf("%s %s: %v", name, strings.Join(args, " "), err))
		}
		d := time.Since(start)
		ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		if i == 0 || d < m.wall {
			m.wall, m.cpu, *out = d, cpu, string(b)
		}
		m.rss = max(m.rss, float64(ru.Maxrss)/1024)
	}
	return m
}

// countLines streams the file: reading it whole would raise this process's
// RSS, and with it the peak RSS wait4 reports for every later child.
func countLines(path string) int {
	f, err := os.Open(path)
	check(err)
	defer f.Close()
	n := 0
	buf := make([]byte, 1<<16)
	for {
		k, err := f.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err != nil {
			return n
		}
	}
}

// findShared is ../shared beside the module root (or $FF_SHARED).
func findShared() string {
	if d := os.Getenv("FF_SHARED"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	check(err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(dir), "shared")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			check(fmt.Errorf("go.mod not found above the working directory"))
		}
		dir = parent
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-dedup:", err)
		if tmpDir != "" {
			os.RemoveAll(tmpDir)
		}
		os.Exit(1)
	}
}

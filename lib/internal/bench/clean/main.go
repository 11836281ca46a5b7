// Command clean is `make bench-clean`: it generates a ~100 MB chat JSONL
// file and runs bin/ff-clean (normalize + validate + default filters) and
// the peer, `jq -c .`, on it, printing wall times, peak RSS and the ratio.
// Targets: ff-clean at least 10x faster than jq, peak RSS under 200 MB.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/flock-off/ff/lib/record"
)

func main() {
	size := flag.Int64("mb", 100, "size of the generated file in MB")
	runs := flag.Int("runs", 3, "runs of each command; the fastest counts (the machine is shared)")
	bin := flag.String("bin", "bin/ff-clean", "the ff-clean binary")
	flag.Parse()

	dir, err := os.MkdirTemp("", "ff-bench-clean-")
	check(err)
	tmpDir = dir
	in := filepath.Join(dir, "chat.jsonl")
	rows, n := generate(in, *size<<20)
	fmt.Printf("input: %s, %d rows, %.1f MB of chat JSONL (generated, seed 1)\n", "chat.jsonl", rows, float64(n)/(1<<20))
	fmt.Printf("machine: %d cores (GOMAXPROCS %d)\n", runtime.NumCPU(), runtime.GOMAXPROCS(0))

	jq, err := findJQ()
	if err != nil {
		fmt.Println("peer: jq is not installed and could not be installed:", err)
		os.Exit(1)
	}
	ver, _ := exec.Command(jq, "--version").Output()
	fmt.Printf("peer: %s (%s)\n", strings.TrimSpace(string(ver)), jq)

	// Both write through a shell redirection, so neither pays for an fsync.
	ffT, ffRSS, ffCPU := best(*runs, "sh", "-c", *bin+" -q "+in+" > "+filepath.Join(dir, "ff.jsonl"))
	jqT, jqRSS, jqCPU := best(*runs, "sh", "-c", jq+" -c . "+in+" > "+filepath.Join(dir, "jq.jsonl"))
	ratio := jqT.Seconds() / ffT.Seconds()
	fmt.Printf("ff-clean (normalize + validate + default filters): %.2fs wall, %.2fs CPU, peak RSS %.0f MB, %.0f MB/s\n",
		ffT.Seconds(), ffCPU.Seconds(), ffRSS, float64(n)/(1<<20)/ffT.Seconds())
	fmt.Printf("jq -c .:                                           %.2fs wall, %.2fs CPU, peak RSS %.0f MB, %.0f MB/s\n",
		jqT.Seconds(), jqCPU.Seconds(), jqRSS, float64(n)/(1<<20)/jqT.Seconds())
	fmt.Printf("CPU-time ratio (less sensitive to a busy machine): %.1fx\n", jqCPU.Seconds()/ffCPU.Seconds())
	fmt.Printf("ratio: ff-clean is %.1fx faster than jq (target >= 10x); peak RSS %.0f MB (target < 200 MB)\n", ratio, ffRSS)
	os.RemoveAll(dir)
	if ratio >= 10 && ffRSS < 200 {
		fmt.Println("PASS")
	} else {
		fmt.Println("FAIL")
		os.Exit(1)
	}
}

// best runs a command several times and returns its fastest wall time, its
// largest peak RSS (MB) and the CPU time (user+sys) of the fastest run, read
// from wait4's rusage (of the shell and its children).
func best(runs int, name string, args ...string) (time.Duration, float64, time.Duration) {
	var bt, cpu time.Duration
	var rss float64
	for i := 0; i < runs; i++ {
		cmd := exec.Command(name, args...)
		cmd.Stderr = os.Stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			check(fmt.Errorf("%s %s: %v", name, strings.Join(args, " "), err))
		}
		d := time.Since(start)
		c := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		if i == 0 || d < bt {
			bt, cpu = d, c
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = max(rss, float64(ru.Maxrss)/1024) // Linux reports KB
		}
	}
	return bt, rss, cpu
}

// findJQ finds jq, installing Debian's package when it is missing and we may.
func findJQ() (string, error) {
	if p, err := exec.LookPath("jq"); err == nil {
		return p, nil
	}
	fmt.Println("jq not found; trying apt-get install -y jq")
	cmd := exec.Command("apt-get", "install", "-y", "-q", "jq")
	if os.Geteuid() != 0 {
		cmd = exec.Command("sudo", "-n", "apt-get", "install", "-y", "-q", "jq")
	}
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", err
	}
	return exec.LookPath("jq")
}

var vocab = strings.Fields(`the of and to in is you that it he was for on are as with his they at be this
have from or one had by word but not what all were we when your can said there use an each which she do how
their if will up other about out many then them these so some her would make like him into time has look two
more write go see number no way could people my than first water been call who oil its now find long down day
did get come made may part model data training answer question example function value result because however
therefore include provide explain simple small large important different following between another through
während über café naïve résumé 東京 данные "quoted" path\to\file tab	separated`)

// generate writes chat rows (FLock native, 1 to 3 exchanges, some system
// prompts, lists, code and non-ASCII text) until the file holds limit bytes.
func generate(path string, limit int64) (rows int, n int64) {
	f, err := os.Create(path)
	check(err)
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	sentence := func(words int) string {
		var b strings.Builder
		for i := 0; i < words; i++ {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(vocab[r.IntN(len(vocab))])
		}
		b.WriteString(".")
		return b.String()
	}
	para := func(sentences int) string {
		var b strings.Builder
		for i := 0; i < sentences; i++ {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(sentence(6 + r.IntN(14)))
		}
		return b.String()
	}
	answer := func() string {
		var parts []string
		for k := 1 + r.IntN(4); k > 0; k-- {
			switch r.IntN(6) {
			case 0:
				var l []string
				for i := 1; i <= 3+r.IntN(4); i++ {
					l = append(l, fmt.Sprintf("%d. %s", i, sentence(5+r.IntN(8))))
				}
				parts = append(parts, strings.Join(l, "\n"))
			case 1:
				parts = append(parts, "```python\ndef f(x):\n    return x * "+fmt.Sprint(r.IntN(100))+"\n```")
			default:
				parts = append(parts, para(2+r.IntN(4)))
			}
		}
		return strings.Join(parts, "\n\n")
	}
	var line []byte
	for n < limit {
		line = append(line[:0], `{"system":`...)
		if r.IntN(4) == 0 {
			line = record.AppendString(line, "You are a helpful assistant.")
		} else {
			line = append(line, "null"...)
		}
		line = append(line, `,"conversations":[`...)
		for t := 1 + r.IntN(3); t > 0; t-- {
			line = append(line, `{"role":"user","content":`...)
			line = record.AppendString(line, para(1+r.IntN(2)))
			line = append(line, `},{"role":"assistant","content":`...)
			line = record.AppendString(line, answer())
			line = append(line, '}')
			if t > 1 {
				line = append(line, ',')
			}
		}
		line = append(line, "]}\n"...)
		w.Write(line)
		n += int64(len(line))
		rows++
	}
	check(w.Flush())
	check(f.Close())
	return rows, n
}

var tmpDir string

func check(err error) {
	if err != nil {
		if tmpDir != "" {
			os.RemoveAll(tmpDir)
		}
		fmt.Fprintln(os.Stderr, "bench-clean:", err)
		os.Exit(1)
	}
}

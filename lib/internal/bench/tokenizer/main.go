// Command tokenizer is `make bench-tokenizer`: it encodes the shared real
// data (every string field of ../shared/data/real) with the Qwen3 tokenizer,
// in Go (lib/tokenizer) and with the peer, the npm package
// @huggingface/tokenizers on Node.js, in the same run, checks that both
// produce the same number of tokens, and prints MB/s, tokens/s and the
// ratio. Target: Go (parallel by row, all cores) at least 3x the peer.
// For scale it also times Hugging Face's Rust library through its Node.js
// bindings (npm tokenizers, encodeBatch on all cores); no target applies.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flock-off/ff/lib/tokenizer"
)

const (
	peer     = "@huggingface/tokenizers@0.2.0"
	rustPeer = "tokenizers@0.23.2"
)

func main() {
	shared := flag.String("shared", defaultShared(), "the shared fixtures directory")
	runs := flag.Int("runs", 5, "passes over the data; the fastest counts (the machine is shared)")
	threads := flag.Int("threads", runtime.GOMAXPROCS(0), "Go encoder goroutines (parallel by row)")
	flag.Parse()

	dir, err := filepath.Abs(filepath.Join(*shared, "tokenizers", "qwen3"))
	check(err)
	texts, size := loadTexts(filepath.Join(*shared, "data", "real"))
	fmt.Printf("input: %d texts, %.2f MB (every string field of the shared real data)\n", len(texts), float64(size)/(1<<20))
	fmt.Printf("tokenizer: %s (Qwen3 byte-level BPE)\n", dir)
	fmt.Printf("machine: %d cores (GOMAXPROCS %d)\n", runtime.NumCPU(), runtime.GOMAXPROCS(0))

	start := time.Now()
	tok, err := tokenizer.Load(dir)
	check(err)
	fmt.Printf("go: load %.2fs\n", time.Since(start).Seconds())
	cold, goTokens := timeGo(tok, texts, 1)
	single := best(*runs, func() time.Duration { d, _ := timeGo(tok, texts, 1); return d })
	par := best(*runs, func() time.Duration { d, _ := timeGo(tok, texts, *threads); return d })

	js := runPeer(peer, peerScript, dir, texts, *runs)
	if js.Tokens != goTokens {
		fmt.Printf("MISMATCH: go produced %d tokens, the peer %d\n", goTokens, js.Tokens)
		os.Exit(1)
	}
	rust := runPeer(rustPeer, rustScript, dir, texts, *runs)
	if rust.Tokens != goTokens {
		fmt.Printf("MISMATCH: go produced %d tokens, the Rust library %d\n", goTokens, rust.Tokens)
		os.Exit(1)
	}
	mb := float64(size) / (1 << 20)
	line := func(name string, d time.Duration) {
		fmt.Printf("%-54s %7.3fs  %7.1f MB/s  %10.0f tokens/s\n", name, d.Seconds(), mb/d.Seconds(), float64(goTokens)/d.Seconds())
	}
	fmt.Printf("tokens: %d (the same count from all three)\n", goTokens)
	line("go, 1 thread, first pass (cold cache)", cold)
	line("go, 1 thread", single)
	line(fmt.Sprintf("go, %d threads (parallel by row)", *threads), par)
	line("peer "+peer+", first pass", secs(js.ColdS))
	line("peer "+peer, secs(js.BestS))
	line("rust "+rustPeer+" (Node.js bindings) encodeBatch", secs(rust.BestS))
	ratio := js.BestS / par.Seconds()
	fmt.Printf("ratio: go (%d threads) is %.1fx faster than %s (target >= 3x); 1 thread: %.1fx\n",
		*threads, ratio, peer, js.BestS/single.Seconds())
	fmt.Printf("for scale: go (%d threads) is %.1fx faster than the Rust library called from Node.js (binding overhead included)\n", *threads, rust.BestS/par.Seconds())
	if ratio >= 3 {
		fmt.Println("PASS")
	} else {
		fmt.Println("FAIL")
		os.Exit(1)
	}
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// timeGo encodes every text once on n goroutines, rows handed out in order.
func timeGo(tok *tokenizer.Tokenizer, texts []string, n int) (time.Duration, int) {
	var next, total atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ids []int32
			count := 0
			for {
				i := int(next.Add(1)) - 1
				if i >= len(texts) {
					break
				}
				ids = tok.AppendEncode(ids[:0], texts[i])
				count += len(ids)
			}
			total.Add(int64(count))
		}()
	}
	wg.Wait()
	return time.Since(start), int(total.Load())
}

func best(runs int, f func() time.Duration) time.Duration {
	b := time.Duration(1 << 62)
	for range runs {
		b = min(b, f())
	}
	return b
}

type peerResult struct {
	ColdS  float64 `json:"cold_s"`
	BestS  float64 `json:"best_s"`
	Tokens int     `json:"tokens"`
}

const peerScript = `
const fs = require('fs');
const { Tokenizer } = require('@huggingface/tokenizers');
const [dir, textsFile, runs] = process.argv.slice(2);
const tok = new Tokenizer(JSON.parse(fs.readFileSync(dir + '/tokenizer.json', 'utf8')), JSON.parse(fs.readFileSync(dir + '/tokenizer_config.json', 'utf8')));
const texts = JSON.parse(fs.readFileSync(textsFile, 'utf8'));
function pass() {
  const t0 = process.hrtime.bigint();
  let n = 0;
  for (const s of texts) n += tok.encode(s, { add_special_tokens: false }).ids.length;
  return [Number(process.hrtime.bigint() - t0) / 1e9, n];
}
const [cold, tokens] = pass();
let best = Infinity;
for (let i = 0; i < Number(runs); i++) best = Math.min(best, pass()[0]);
console.log(JSON.stringify({ cold_s: cold, best_s: best, tokens }));
`

// rustScript times the Rust library's encodeBatch (parallel inside Rust).
const rustScript = `
const fs = require('fs');
const { Tokenizer } = require('tokenizers');
const [dir, textsFile, runs] = process.argv.slice(2);
const tok = Tokenizer.fromFile(dir + '/tokenizer.json');
const texts = JSON.parse(fs.readFileSync(textsFile, 'utf8'));
async function pass() {
  const t0 = process.hrtime.bigint();
  const encs = await tok.encodeBatch(texts, { addSpecialTokens: false });
  let n = 0;
  for (const e of encs) n += e.getIds().length;
  return [Number(process.hrtime.bigint() - t0) / 1e9, n];
}
(async () => {
  const [cold, tokens] = await pass();
  let best = Infinity;
  for (let i = 0; i < Number(runs); i++) best = Math.min(best, (await pass())[0]);
  console.log(JSON.stringify({ cold_s: cold, best_s: best, tokens }));
})();
`

// runPeer installs pkg once (under the same cache as the tests) and times
// script in one Node.js process: a first pass, then the fastest of runs.
func runPeer(pkg, peerScript, dir string, texts []string, runs int) peerResult {
	mods := npmInstall(pkg)
	tmp, err := os.MkdirTemp("", "ff-bench-tokenizer-")
	check(err)
	defer os.RemoveAll(tmp)
	data, _ := json.Marshal(texts)
	check(os.WriteFile(filepath.Join(tmp, "texts.json"), data, 0o644))
	script := filepath.Join(mods, "bench-tokenizer.cjs")
	check(os.WriteFile(script, []byte(peerScript), 0o644))
	cmd := exec.Command("node", script, dir, filepath.Join(tmp, "texts.json"), fmt.Sprint(runs))
	cmd.Dir = mods
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		fmt.Printf("peer failed: %v\n%s", err, stderr.String())
		os.Exit(1)
	}
	var r peerResult
	check(json.Unmarshal(out, &r))
	return r
}

// npmInstall installs pkg into the directory lib/internal/testenv uses for
// the same package list, so tests and benchmark share one install.
func npmInstall(pkg string) string {
	base := os.Getenv("FF_TESTENV")
	if base == "" {
		c, err := os.UserCacheDir()
		if err != nil {
			c = os.TempDir()
		}
		base = filepath.Join(c, "ff-testenv")
	}
	h := sha256.Sum256([]byte(pkg))
	dir := filepath.Join(base, "npm-"+hex.EncodeToString(h[:6]))
	if _, err := os.Stat(filepath.Join(dir, ".ok")); err == nil {
		return dir
	}
	check(os.MkdirAll(dir, 0o755))
	os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"ff-testenv","private":true}`), 0o644)
	cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", dir, pkg)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Printf("peer: npm install %s failed (registry unreachable?): %v\n%s", pkg, err, out)
		os.Exit(1)
	}
	os.WriteFile(filepath.Join(dir, ".ok"), nil, 0o644)
	return dir
}

func loadTexts(root string) ([]string, int) {
	var texts []string
	size := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".jsonl") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, line := range bytes.Split(data, []byte("\n")) {
			var v any
			if json.Unmarshal(line, &v) == nil {
				texts = collect(texts, v)
			}
		}
		return nil
	})
	check(err)
	for _, s := range texts {
		size += len(s)
	}
	if len(texts) == 0 {
		fmt.Printf("no texts under %s\n", root)
		os.Exit(1)
	}
	return texts, size
}

func collect(dst []string, v any) []string {
	switch x := v.(type) {
	case string:
		if x != "" {
			dst = append(dst, x)
		}
	case []any:
		for _, e := range x {
			dst = collect(dst, e)
		}
	case map[string]any:
		for _, e := range x {
			dst = collect(dst, e)
		}
	}
	return dst
}

func defaultShared() string {
	if d := os.Getenv("FF_SHARED"); d != "" {
		return d
	}
	return filepath.Join("..", "shared")
}

func check(err error) {
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
}

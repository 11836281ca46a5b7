// Command mktiny builds the tiny Qwen2-architecture model bundled in
// testdata/tiny: a byte-level BPE tokenizer trained on the bundled corpus and
// a few minutes of full-parameter pre-training, deterministic for a given
// seed and thread count. Run from the repository root:
//
//	go run ./lib/internal/mktiny                 # rebuild testdata/tiny from the corpus
//	go run ./lib/internal/mktiny -select ../shared/data/real/self-instruct   # re-select the corpus
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	sel := flag.String("select", "", "re-select the bundled corpus from the self-instruct data in `DIR`, then stop")
	out := flag.String("out", "testdata/tiny", "model directory to write")
	epochs := flag.Int("epochs", 3, "pre-training epochs")
	threads := flag.Int("threads", 2, "threads (the result does not depend on it)")
	corpus := flag.String("corpus", "testdata/tiny/corpus", "the bundled corpus `DIR`")
	flag.Parse()
	if *sel != "" {
		if err := selectCorpus(*sel, *corpus, filepath.Join("testdata", "demo", "eval.jsonl")); err != nil {
			fmt.Fprintln(os.Stderr, "mktiny:", err)
			os.Exit(1)
		}
		return
	}
	if err := build(*corpus, *out, *epochs, *threads, 0); err != nil {
		fmt.Fprintln(os.Stderr, "mktiny:", err)
		os.Exit(1)
	}
}

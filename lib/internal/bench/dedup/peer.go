package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	minhashlsh "github.com/ekzhu/minhash-lsh"

	"github.com/flock-off/ff/lib/minhash"
)

// runPeer is the peer's end-to-end run on the same rows, in its own process
// (so its peak RSS is its own): read and decode the JSONL, take the same
// text, normalize it as ff-dedup does, push the same word 5-grams into
// ekzhu/minhash-lsh's Minhash (112 hash functions, one per core in
// parallel), then Add every signature to its LSH (threshold 0.8), Index and
// Query every row for its candidates. It prints one line of results.
func runPeer(path string) {
	start := time.Now()
	f, err := os.Open(path)
	check(err)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<28)
	var lines [][]byte
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	check(sc.Err())
	f.Close()

	const numHash = 112
	sigs := make([][]uint64, len(lines))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	sigStart := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var norm []byte
			for i := w; i < len(lines); i += workers {
				var row struct {
					Conversations []struct{ Content string }
				}
				check(json.Unmarshal(lines[i], &row))
				var text strings.Builder
				for _, t := range row.Conversations {
					text.WriteString(t.Content)
					text.WriteByte('\n')
				}
				norm, _ = minhash.Normalize(norm[:0], text.String())
				words := strings.Fields(string(norm))
				mh := minhashlsh.NewMinhash(1, numHash)
				for k := 0; k+5 <= len(words); k++ {
					mh.Push([]byte(strings.Join(words[k:k+5], " ")))
				}
				sigs[i] = mh.Signature()
			}
		}(w)
	}
	wg.Wait()
	sigTime := time.Since(sigStart)
	lines = nil

	lshStart := time.Now()
	lsh := minhashlsh.NewMinhashLSH32(numHash, 0.8)
	for i, s := range sigs {
		lsh.Add(i, s)
	}
	lsh.Index()
	var pairs int64
	for i, s := range sigs {
		for _, k := range lsh.Query(s) {
			if k.(int) > i {
				pairs++
			}
		}
	}
	k, l := lsh.Params()
	fmt.Printf("%.3f %.3f %.3f %d %d %d\n", time.Since(start).Seconds(), sigTime.Seconds(), time.Since(lshStart).Seconds(), pairs, k, l)
}

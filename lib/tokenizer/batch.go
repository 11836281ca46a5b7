package tokenizer

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// EncodeBatch encodes texts in parallel by row on threads goroutines
// (≤ 0: all cores); out[i] holds the ids of texts[i].
func (t *Tokenizer) EncodeBatch(texts []string, threads int) [][]int32 {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	threads = min(threads, len(texts))
	out := make([][]int32, len(texts))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(texts) {
					return
				}
				out[i] = t.Encode(texts[i])
			}
		}()
	}
	wg.Wait()
	return out
}

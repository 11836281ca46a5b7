// Package tensor holds the float32 kernels the model runs on: a blocked,
// packed matrix multiply (Gemm) with an AVX2/FMA micro-kernel selected at run
// time and a pure-Go fallback, and a small parallel-for. Matrices are
// row-major slices with an explicit leading dimension (row stride), so views
// such as one attention head inside a [T, heads*dim] matrix need no copies.
//
// Every output element is computed by one goroutine with a fixed summation
// order, so results do not depend on the thread count.
package tensor

import (
	"runtime"
	"sync/atomic"
)

// Threads is the default parallelism: all cores.
func Threads() int { return runtime.GOMAXPROCS(0) }

// Parallel splits [0, n) into contiguous chunks and runs fn(lo, hi) on each,
// on up to threads goroutines, returning when all chunks are done. Chunks
// are claimed dynamically (a few per goroutine), so a helper that the OS
// starts late, or a slow chunk, does not hold the others back; the chunk
// boundaries depend only on n and threads, so results stay deterministic.
func Parallel(threads, n int, fn func(lo, hi int)) {
	if threads > n {
		threads = n
	}
	if threads <= 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	chunks := min(n, 4*threads)
	var next, done atomic.Int64
	finished := make(chan struct{})
	work := func() {
		for {
			c := int(next.Add(1) - 1)
			if c >= chunks {
				return
			}
			fn(n*c/chunks, n*(c+1)/chunks)
			if done.Add(1) == int64(chunks) {
				close(finished)
			}
		}
	}
	for t := 1; t < threads; t++ {
		go work()
	}
	work()
	<-finished
}

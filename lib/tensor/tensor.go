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
	"sync"
)

// Threads is the default parallelism: all cores.
func Threads() int { return runtime.GOMAXPROCS(0) }

// Parallel splits [0, n) into at most threads contiguous chunks and runs
// fn(lo, hi) on each, one goroutine per chunk, returning when all are done.
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
	var wg sync.WaitGroup
	wg.Add(threads - 1)
	for t := 1; t < threads; t++ {
		lo, hi := n*t/threads, n*(t+1)/threads
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	fn(0, n/threads)
	wg.Wait()
}

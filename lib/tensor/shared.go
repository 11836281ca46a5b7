package tensor

import "sync"

// Product is one output of GemmShared: C (+)= op(A)·op(B), op(B) K×N,
// given as a matrix (B, LDB, TransB as in Gemm) or packed beforehand.
type Product struct {
	N          int
	B          []float32
	LDB        int
	TransB     bool
	Packed     *PackedB // used instead of B when not nil
	C          []float32
	LDC        int
	Accumulate bool
}

// sharedRows bounds the rows of A one packing holds (512 rows × blockK).
const sharedRows = 512

var sharedBufs = &bufList{aRows: sharedRows}

// GemmShared computes several products that share the left operand op(A)
// (M×K), packing A once for all of them: the projections of one input
// (q, k, v and their adapters) cost one packing instead of six. Rows are
// split between threads. Results equal Gemm's bit for bit.
func GemmShared(threads int, transA bool, M, K int, A []float32, lda int, outs ...Product) {
	if M == 0 {
		return
	}
	mr := kernel.mr
	flops := 0
	for _, o := range outs {
		flops += 2 * M * o.N * K
	}
	if flops < 1<<18 {
		threads = 1
	}
	tiles := (M + mr - 1) / mr
	if threads > 1 && tiles > 1 {
		// Split by rows, every goroutine would pack each B itself: pack the
		// wide unpacked ones once, together, first.
		var temps []*tempPack
		for i := range outs {
			o := &outs[i]
			if o.Packed != nil || o.N <= 16 {
				continue
			}
			t := tempPacks.get()
			t.p.pack(threads, o.TransB, K, o.N, o.B, o.LDB, t.buf)
			t.buf = t.p.data
			temps = append(temps, t)
			cp := *o
			cp.Packed = &t.p
			if len(temps) == 1 {
				outs = append([]Product(nil), outs...) // do not touch the caller's slice
				o = &outs[i]
			}
			*o = cp
		}
		defer func() {
			for _, t := range temps {
				tempPacks.put(t)
			}
		}()
	}
	Parallel(threads, tiles, func(lo, hi int) {
		i0, i1 := lo*mr, min(hi*mr, M)
		var a []float32
		if transA {
			a = A[i0:]
		} else {
			a = A[i0*lda:]
		}
		sharedSerial(transA, i0, i1-i0, K, a, lda, outs)
	})
}

// sharedSerial computes rows row0..row0+M of every product on this goroutine.
func sharedSerial(transA bool, row0, M, K int, A []float32, lda int, outs []Product) {
	if K == 0 {
		for _, o := range outs {
			if !o.Accumulate {
				for i := row0; i < row0+M; i++ {
					clear(o.C[i*o.LDC : i*o.LDC+o.N])
				}
			}
		}
		return
	}
	main := kernel
	mr := main.mr
	buf := sharedBufs.get()
	defer sharedBufs.put(buf)
	for ic := 0; ic < M; ic += sharedRows {
		mc := min(sharedRows, M-ic)
		for pc := 0; pc < K; pc += blockK {
			kc := min(blockK, K-pc)
			packA(buf.a, transA, A, lda, ic, pc, mc, kc, mr)
			for _, o := range outs {
				kn := main
				packed := o.Packed
				if packed != nil && (packed.nr != kn.nr || packed.kernel != kn.name) {
					packed = nil // packed for another micro-kernel: use the source
				}
				src, ldb, trans := o.B, o.LDB, o.TransB
				if o.Packed != nil {
					src, ldb, trans = o.Packed.src, o.Packed.ldb, o.Packed.trans
				}
				if packed == nil && o.N <= 16 && kn.narrow != nil {
					kn = *kn.narrow // same mr, so the packed A serves it too
				}
				for jc := 0; jc < o.N; jc += blockN {
					nc := min(blockN, o.N-jc)
					var bp []float32
					if packed != nil {
						bp = packed.data[packed.offset(pc, kc, jc):]
					} else {
						bp = buf.b
						packB(bp, trans, src, ldb, pc, jc, kc, nc, kn.nr)
					}
					runTiles(kn, kc, mc, nc, buf.a, bp, o.C[(row0+ic)*o.LDC+jc:], o.LDC, o.Accumulate || pc > 0, buf.tile)
				}
			}
		}
	}
}

// tempPack is a packing of a B operand that lives for one GemmShared call.
type tempPack struct {
	p   PackedB
	buf []float32
}

type tempPackList struct {
	mu   sync.Mutex
	free []*tempPack
}

// tempPacks keeps the buffers of temporary packings for reuse (never dropped).
var tempPacks tempPackList

func (l *tempPackList) get() *tempPack {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.free); n > 0 {
		t := l.free[n-1]
		l.free = l.free[:n-1]
		return t
	}
	return &tempPack{}
}

func (l *tempPackList) put(t *tempPack) {
	t.p = PackedB{}
	l.mu.Lock()
	l.free = append(l.free, t)
	l.mu.Unlock()
}

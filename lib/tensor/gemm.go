package tensor

import "sync"

// Blocking sizes (BLIS-style): a kc×nc block of B and an mc×kc block of A
// are packed so the micro-kernel streams through contiguous memory.
const (
	blockK = 256
	blockM = 96
	blockN = 2048
)

// Gemm computes C = op(A)·op(B), or C += op(A)·op(B) when accumulate is set,
// on up to threads goroutines. op(A) is M×K: A[i*lda+k], or A[k*lda+i] when
// transA. op(B) is K×N: B[k*ldb+j], or B[j*ldb+k] when transB. C[i*ldc+j].
func Gemm(threads int, transA, transB bool, M, N, K int, A []float32, lda int, B []float32, ldb int, C []float32, ldc int, accumulate bool) {
	gemm(threads, transA, M, N, K, A, lda, bOperand{trans: transB, b: B, ldb: ldb}, C, ldc, accumulate)
}

// GemmPacked is Gemm with a B operand packed beforehand by PackB.
func GemmPacked(threads int, transA bool, M int, A []float32, lda int, B *PackedB, C []float32, ldc int, accumulate bool) {
	op := bOperand{trans: B.trans, b: B.src, ldb: B.ldb}
	if B.nr == kernel.nr && B.kernel == kernel.name {
		op.packed = B
	}
	gemm(threads, transA, M, B.N, B.K, A, lda, op, C, ldc, accumulate)
}

// bOperand is op(B): a plain matrix, or one packed beforehand whose
// columns start at col0 (a multiple of the micro-tile width).
type bOperand struct {
	trans  bool
	b      []float32
	ldb    int
	packed *PackedB
	col0   int
}

// cols returns the operand restricted to columns j0.. of op(B).
func (o bOperand) cols(j0 int) bOperand {
	if o.packed != nil {
		o.col0 += j0
		return o
	}
	if o.trans {
		o.b = o.b[j0*o.ldb:]
	} else {
		o.b = o.b[j0:]
	}
	return o
}

func gemm(threads int, transA bool, M, N, K int, A []float32, lda int, B bOperand, C []float32, ldc int, accumulate bool) {
	if M == 0 || N == 0 {
		return
	}
	mr, nr := kernel.mr, kernel.nr
	flops := 2 * M * N * K
	if threads > 1 && flops < 1<<18 {
		threads = 1
	}
	// Split the output into a grid of rectangles aligned to the micro-tile,
	// cutting the longer side first; every element belongs to one rectangle.
	if threads <= 1 {
		gemmSerial(transA, M, N, K, A, lda, B, C, ldc, accumulate)
		return
	}
	nt, mt := (N+nr-1)/nr, (M+mr-1)/mr
	var pn, pm int
	if N >= M || B.packed != nil {
		pn = min(threads, nt)
		pm = max(1, min(threads/pn, mt))
	} else {
		pm = min(threads, mt)
		pn = max(1, min(threads/pm, nt))
	}
	Parallel(threads, pn*pm, func(lo, hi int) {
		for w := lo; w < hi; w++ {
			jn, im := w%pn, w/pn
			j0, j1 := nt*jn/pn*nr, min(nt*(jn+1)/pn*nr, N)
			i0, i1 := mt*im/pm*mr, min(mt*(im+1)/pm*mr, M)
			if j0 >= j1 || i0 >= i1 {
				continue
			}
			var a []float32
			if transA {
				a = A[i0:]
			} else {
				a = A[i0*lda:]
			}
			gemmSerial(transA, i1-i0, j1-j0, K, a, lda, B.cols(j0), C[i0*ldc+j0:], ldc, accumulate)
		}
	})
}

// PackedB is a B operand packed once in the micro-kernel's layout, for
// matrices used many times unchanged (frozen weights): per block of blockK
// rows of op(B), every column panel of width nr, k-major.
type PackedB struct {
	K, N   int
	nr     int
	kernel string
	data   []float32
	// The source, used as is when the micro-kernel changed since packing.
	src   []float32
	trans bool
	ldb   int
}

// PackB packs op(B) (K×N, see Gemm). B must not change while the result is in use.
func PackB(transB bool, K, N int, B []float32, ldb int) *PackedB {
	p := &PackedB{}
	p.pack(1, transB, K, N, B, ldb, nil)
	return p
}

// pack fills p with op(B) on up to threads goroutines (split by column
// panels), reusing buf when it is large enough.
func (p *PackedB) pack(threads int, transB bool, K, N int, B []float32, ldb int, buf []float32) {
	nr := kernel.nr
	panels := (N + nr - 1) / nr
	if cap(buf) < panels*nr*K {
		buf = make([]float32, panels*nr*K)
	}
	*p = PackedB{K: K, N: N, nr: nr, kernel: kernel.name, data: buf[:panels*nr*K], src: B, trans: transB, ldb: ldb}
	Parallel(threads, panels, func(lo, hi int) {
		j0, j1 := lo*nr, min(hi*nr, N)
		for pc := 0; pc < K; pc += blockK {
			kc := min(blockK, K-pc)
			packB(p.data[p.offset(pc, kc, j0):], transB, B, ldb, pc, j0, kc, j1-j0, nr)
		}
	})
}

// offset is where the panel holding column j (a multiple of nr) of the
// K block starting at row pc (kc rows) begins.
func (p *PackedB) offset(pc, kc, j int) int {
	panels := (p.N + p.nr - 1) / p.nr
	return pc*panels*p.nr + j*kc
}

// Bytes is the memory the packed copy takes.
func (p *PackedB) Bytes() int { return 4 * len(p.data) }

type packBuf struct{ a, b, tile []float32 }

// bufList keeps packing buffers for reuse. Unlike a sync.Pool it never drops
// them at garbage collection, so steady-state multiplies allocate nothing;
// it holds at most as many buffers as multiplies ever ran at once.
type bufList struct {
	mu    sync.Mutex
	free  []*packBuf
	aRows int
}

func (l *bufList) get() *packBuf {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.free); n > 0 {
		b := l.free[n-1]
		l.free = l.free[:n-1]
		return b
	}
	return &packBuf{
		a:    make([]float32, (l.aRows+32)*blockK),
		b:    make([]float32, (blockN+32)*blockK),
		tile: make([]float32, 32*32),
	}
}

func (l *bufList) put(b *packBuf) {
	l.mu.Lock()
	l.free = append(l.free, b)
	l.mu.Unlock()
}

var packBufs = &bufList{aRows: blockM}

// gemmSerial is Gemm on the calling goroutine.
func gemmSerial(transA bool, M, N, K int, A []float32, lda int, B bOperand, C []float32, ldc int, accumulate bool) {
	if K == 0 {
		if !accumulate {
			for i := 0; i < M; i++ {
				clear(C[i*ldc : i*ldc+N])
			}
		}
		return
	}
	kn := kernel
	if N <= 16 && B.packed == nil && kn.narrow != nil {
		kn = *kn.narrow // an adapter-rank-wide product: do not compute padding
	}
	mr, nr := kn.mr, kn.nr
	buf := packBufs.get()
	defer packBufs.put(buf)
	for jc := 0; jc < N; jc += blockN {
		nc := min(blockN, N-jc)
		for pc := 0; pc < K; pc += blockK {
			kc := min(blockK, K-pc)
			bp := buf.b
			if B.packed != nil {
				bp = B.packed.data[B.packed.offset(pc, kc, B.col0+jc):]
			} else {
				packB(bp, B.trans, B.b, B.ldb, pc, jc, kc, nc, nr)
			}
			for ic := 0; ic < M; ic += blockM {
				mc := min(blockM, M-ic)
				packA(buf.a, transA, A, lda, ic, pc, mc, kc, mr)
				// The first K block stores, later ones add: C needs no clearing.
				runTiles(kn, kc, mc, nc, buf.a, bp, C[ic*ldc+jc:], ldc, accumulate || pc > 0, buf.tile)
			}
		}
	}
}

// runTiles multiplies a packed mc×kc block of A by a packed kc×nc block of
// B into C (row stride ldc), adding or storing, tile by tile.
func runTiles(kn microKernel, kc, mc, nc int, ap, bp, C []float32, ldc int, add bool, tile []float32) {
	mr, nr := kn.mr, kn.nr
	for jr := 0; jr < nc; jr += nr {
		nw := min(nr, nc-jr)
		bpr := bp[jr*kc:]
		for ir := 0; ir < mc; ir += mr {
			mw := min(mr, mc-ir)
			a := ap[ir*kc:]
			off := ir*ldc + jr
			if mw == mr && nw == nr {
				kn.run(kc, a, bpr, C[off:], ldc, add)
				continue
			}
			// Edge tile: compute into a scratch tile, then the valid part.
			t := tile[:mr*nr]
			kn.run(kc, a, bpr, t, nr, false)
			for i := 0; i < mw; i++ {
				row := C[off+i*ldc : off+i*ldc+nw]
				if add {
					for j := range row {
						row[j] += t[i*nr+j]
					}
				} else {
					copy(row, t[i*nr:i*nr+nw])
				}
			}
		}
	}
}

// packA copies op(A)[ic:ic+mc, pc:pc+kc] into mr-row panels, k-major,
// padding the last panel with zeros.
func packA(dst []float32, trans bool, A []float32, lda, ic, pc, mc, kc, mr int) {
	for ir := 0; ir < mc; ir += mr {
		p := dst[ir*kc : ir*kc+mr*kc]
		mw := min(mr, mc-ir)
		if trans {
			for k := 0; k < kc; k++ {
				copy(p[k*mr:k*mr+mw], A[(pc+k)*lda+ic+ir:(pc+k)*lda+ic+ir+mw])
			}
		} else {
			gather(p, A[(ic+ir)*lda+pc:], lda, mw, kc, mr)
		}
		if mw < mr {
			for k := 0; k < kc; k++ {
				clear(p[k*mr+mw : k*mr+mr])
			}
		}
	}
}

// packB copies op(B)[pc:pc+kc, jc:jc+nc] into nr-column panels, k-major,
// padding the last panel with zeros.
func packB(dst []float32, trans bool, B []float32, ldb, pc, jc, kc, nc, nr int) {
	for jr := 0; jr < nc; jr += nr {
		p := dst[jr*kc : jr*kc+nr*kc]
		nw := min(nr, nc-jr)
		if !trans {
			for k := 0; k < kc; k++ {
				copy(p[k*nr:k*nr+nw], B[(pc+k)*ldb+jc+jr:(pc+k)*ldb+jc+jr+nw])
			}
		} else {
			gather(p, B[(jc+jr)*ldb+pc:], ldb, nw, kc, nr)
		}
		if nw < nr {
			for k := 0; k < kc; k++ {
				clear(p[k*nr+nw : k*nr+nr])
			}
		}
	}
}

// gather transposes rows×kc elements of src (row r at src[r*ld:]) into
// dst[k*width+r], four rows at a time so each write run is contiguous and
// the reads are four sequential streams.
func gather(dst, src []float32, ld, rows, kc, width int) {
	r := 0
	for ; r+4 <= rows; r += 4 {
		s0 := src[r*ld : r*ld+kc]
		s1 := src[(r+1)*ld : (r+1)*ld+kc]
		s2 := src[(r+2)*ld : (r+2)*ld+kc]
		s3 := src[(r+3)*ld : (r+3)*ld+kc]
		d := dst[r:]
		for k := range s0 {
			o := d[k*width : k*width+4 : k*width+4]
			o[0], o[1], o[2], o[3] = s0[k], s1[k], s2[k], s3[k]
		}
	}
	for ; r < rows; r++ {
		s := src[r*ld : r*ld+kc]
		for k, v := range s {
			dst[k*width+r] = v
		}
	}
}

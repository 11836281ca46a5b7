package dedup

import (
	"context"
	"errors"
	"io"
	"unsafe"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/minhash"
	"github.com/flock-off/ff/lib/pipeline"
	"github.com/flock-off/ff/lib/record"
)

// input is one file of rows: its name in reports, the path to open (a
// spooled copy for stdin) and the dataset it belongs to.
type input struct {
	Name    string
	Path    string
	Dataset int32
}

type buildOpts struct {
	params  Params
	shard   int
	shards  int
	threads int
	// collect keeps rows and band keys in memory (single process); the
	// signatures stage only writes them.
	collect bool
	// onBad is told about every malformed row, in input order.
	onBad func(*record.RowError) error
	// progress counts rows (a bar only on a terminal); may be nil.
	progress *app.Progress
}

type buildStats struct {
	Rows, Malformed, NoText, Short int64
	Bytes                          int64
}

// A batch ends at batchRows rows or batchBytes of input, whichever comes
// first, so memory in flight does not grow with the length of the rows.
const (
	batchRows  = 256
	batchBytes = 512 << 10
)

type batch struct {
	recs  []*record.Record
	ids   []uint64
	files []int32
	// results
	entries []byte
	rows    []Row
	keys    []uint64
	setOffs []int // offset of each entry's fingerprints inside entries
}

// rowWorker holds one goroutine's scratch buffers.
type rowWorker struct {
	p      Params
	spec   TextSpec
	keep   keepRule
	bands  minhash.Bands
	hasher *minhash.Hasher
	text   []byte
	norm   []byte
	sh     []uint64
	fps    []uint32
	sig    []uint32
}

func newRowWorker(p Params) *rowWorker {
	keep, _ := parseKeep(p.Keep)
	b := p.banding()
	return &rowWorker{p: p, spec: ParseFields(p.Fields), keep: keep, bands: b,
		hasher: minhash.NewHasher(b.K(), p.Seed), sig: make([]uint32, b.K())}
}

// row computes one row's entry: exact hash, band keys (from the MinHash
// signature) and fingerprints.
func (w *rowWorker) row(rec *record.Record, file int32, keys []uint64) (Row, []uint32) {
	r := Row{File: file, Line: rec.Source.Line, Keep: w.keep.value(rec)}
	var found bool
	w.text, found = w.spec.Append(w.text[:0], rec)
	if !found {
		r.Flags |= flagNoText
	}
	r.Len = int32(min(len(w.text), 1<<31-1))
	var chars bool
	w.norm, chars = minhash.Normalize(w.norm[:0], unsafe.String(unsafe.SliceData(w.text), len(w.text)))
	r.Exact = minhash.ExactHash(w.norm)
	w.sh = minhash.Shingles(w.sh[:0], w.norm, w.p.NGram, chars)
	if len(w.sh) == 0 {
		r.Flags |= flagShort
		clear(keys)
		return r, nil
	}
	w.hasher.Signature(w.sig, w.sh)
	for b := range keys {
		keys[b] = w.bands.BandKey(w.sig, b)
	}
	w.fps = w.fps[:0]
	for _, s := range w.sh {
		w.fps = append(w.fps, minhash.Fingerprint(s))
	}
	return r, w.fps
}

// build reads the inputs, computes every owned row's entry and writes the
// entries to out (whose first byte is at offset base of store 0). With
// collect it also returns the index of the rows.
func build(ctx context.Context, inputs []input, o buildOpts, out io.Writer, base int64) (*Index, buildStats, error) {
	var st buildStats
	ix := &Index{Params: o.params}
	for _, in := range inputs {
		ix.Files = append(ix.Files, in.Name)
		ix.Datasets = append(ix.Datasets, in.Dataset)
	}
	nb := o.params.Bands
	workers := make(chan *rowWorker, o.threads)
	for range o.threads {
		workers <- newRowWorker(o.params)
	}

	fileIdx := 0
	var cur record.Reader
	var nextID uint64
	defer func() {
		if cur != nil {
			cur.Close()
		}
	}()
	next := func() (*batch, bool, error) {
		b := &batch{}
		bytes := 0
		for len(b.recs) < batchRows && bytes < batchBytes {
			if err := ctx.Err(); err != nil {
				return nil, false, err
			}
			if cur == nil {
				if fileIdx >= len(inputs) {
					break
				}
				r, err := record.Open(ctx, inputs[fileIdx].Path, nil)
				if err != nil {
					return nil, false, err
				}
				cur = r
			}
			rec, err := cur.Next()
			if err == io.EOF {
				cur.Close()
				cur = nil
				fileIdx++
				continue
			}
			var re *record.RowError
			if errors.As(err, &re) {
				re.Source.File = inputs[fileIdx].Name
				st.Malformed++
				if o.onBad != nil {
					if err := o.onBad(re); err != nil {
						return nil, false, err
					}
				}
				continue
			}
			if err != nil {
				return nil, false, err
			}
			id := nextID
			nextID++
			if o.shards > 1 && int(id%uint64(o.shards)) != o.shard {
				continue
			}
			st.Rows++
			st.Bytes += int64(len(rec.Raw)) + 1
			bytes += len(rec.Raw) + 1
			b.recs = append(b.recs, rec)
			b.ids = append(b.ids, id)
			b.files = append(b.files, int32(fileIdx))
		}
		return b, len(b.recs) > 0, nil
	}
	work := func(b *batch) (*batch, error) {
		w := <-workers
		defer func() { workers <- w }()
		b.rows = make([]Row, len(b.recs))
		b.keys = make([]uint64, len(b.recs)*nb)
		b.setOffs = make([]int, len(b.recs))
		for i, rec := range b.recs {
			keys := b.keys[i*nb : (i+1)*nb]
			r, fps := w.row(rec, b.files[i], keys)
			b.entries = appendEntry(b.entries, b.ids[i], &r, keys, fps)
			b.setOffs[i] = len(b.entries) - 4*len(fps)
			r.Set.N = int32(len(fps))
			b.rows[i] = r
		}
		b.recs = nil // let the reader's blocks go
		return b, nil
	}
	off := base
	emit := func(b *batch) error {
		for i := range b.rows {
			r := &b.rows[i]
			if r.Flags&flagNoText != 0 {
				st.NoText++
			} else if r.Flags&flagShort != 0 {
				st.Short++
			}
			r.Set.Off = off + int64(b.setOffs[i])
		}
		if _, err := out.Write(b.entries); err != nil {
			return err
		}
		off += int64(len(b.entries))
		o.progress.Add(int64(len(b.rows)))
		if o.collect {
			ix.Rows = append(ix.Rows, b.rows...)
			ix.Keys = append(ix.Keys, b.keys...)
		}
		return nil
	}
	if err := pipeline.Ordered(ctx, o.threads, next, work, emit); err != nil {
		return nil, st, err
	}
	if _, err := out.Write(appendEnd(nil, uint64(st.Rows))); err != nil {
		return nil, st, err
	}
	return ix, st, nil
}

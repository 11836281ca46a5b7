package dedup

import (
	"fmt"
	"os"

	"github.com/flock-off/ff/lib/minhash"
)

// Row is what the index keeps of one input row: where it came from, its
// exact hash and where its shingle fingerprints lie. The text itself is not
// kept, so memory grows with the number of rows, not with their length.
type Row struct {
	File  int32 // index into Index.Files
	Line  int64
	Exact minhash.Exact
	Len   int32   // bytes of the row's text (for --keep longest)
	Keep  float64 // the --keep field:NAME value
	Flags uint8
	Set   setRef
}

// Row flags.
const (
	flagShort  = 1 << iota // fewer units than n: compared by exact hash only
	flagNoText             // none of the text fields: never a duplicate
	flagAbsent             // a row of another shard, not loaded
)

// setRef locates a row's fingerprint set in one of the index's stores.
type setRef struct {
	Store int32
	N     int32
	Off   int64
}

// Index is every row of a run with its band keys, in input order: the row's
// position is its id in every stage and report.
type Index struct {
	Params   Params
	Files    []string
	Datasets []int32 // dataset of each file (--against and overlap)
	Rows     []Row
	Keys     []uint64 // Keys[i*Bands+b]: band b of row i (0 for short rows)
	stores   []*os.File
}

// Source is FILE:LINE of row i.
func (ix *Index) Source(i int) string {
	r := &ix.Rows[i]
	return fmt.Sprintf("%s:%d", ix.Files[r.File], r.Line)
}

// Dataset is the dataset row i belongs to.
func (ix *Index) Dataset(i int) int32 {
	if ix.Datasets == nil {
		return 0
	}
	return ix.Datasets[ix.Rows[i].File]
}

// Fingerprints reads row i's fingerprint set into buf.
func (ix *Index) Fingerprints(i int, buf []uint32) ([]uint32, error) {
	ref := ix.Rows[i].Set
	n := int(ref.N)
	if cap(buf) < n {
		buf = make([]uint32, n)
	}
	buf = buf[:n]
	if n == 0 {
		return buf, nil
	}
	raw := make([]byte, 4*n)
	if _, err := ix.stores[ref.Store].ReadAt(raw, ref.Off); err != nil {
		return nil, fmt.Errorf("read fingerprints of %s: %w", ix.Source(i), err)
	}
	for k := range buf {
		buf[k] = uint32(raw[4*k]) | uint32(raw[4*k+1])<<8 | uint32(raw[4*k+2])<<16 | uint32(raw[4*k+3])<<24
	}
	return buf, nil
}

// Close releases the stores (temporary ones vanish: they are unlinked).
func (ix *Index) Close() {
	for _, f := range ix.stores {
		f.Close()
	}
	ix.stores = nil
}

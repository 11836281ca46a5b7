package minhash

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/cespare/xxhash/v2"
)

// Bands splits a signature of Bands·Rows values into Bands bands of Rows
// values; two texts become candidates when all values of any one band agree.
type Bands struct {
	Bands, Rows int
}

// Default is 14 bands of 8 rows (112 hash functions), datatrove's choice:
// a pair at Jaccard 0.8 collides with probability 0.92, at 0.9 with 1.00,
// at 0.5 with 0.05 and at 0.3 with 0.001.
var Default = Bands{Bands: 14, Rows: 8}

// K is the signature length Bands·Rows.
func (p Bands) K() int { return p.Bands * p.Rows }

// Validate rejects empty or oversized banding.
func (p Bands) Validate() error {
	if p.Bands < 1 || p.Rows < 1 || p.K() > 4096 {
		return fmt.Errorf("bands %d × rows %d: want at least 1 × 1 and at most 4096 hash functions", p.Bands, p.Rows)
	}
	return nil
}

// Probability is the chance that a pair at Jaccard s shares at least one
// band: 1 − (1 − s^Rows)^Bands, the LSH collision curve.
func (p Bands) Probability(s float64) float64 {
	return 1 - math.Pow(1-math.Pow(s, float64(p.Rows)), float64(p.Bands))
}

// BandKey hashes band b of sig into one 64-bit bucket key. The band index is
// part of the key so buckets of different bands never mix.
func (p Bands) BandKey(sig []uint32, b int) uint64 {
	var buf [8 + 4*64]byte
	row := sig[b*p.Rows : (b+1)*p.Rows]
	var out []byte
	if 4*len(row) <= len(buf)-8 {
		out = buf[:0]
	}
	out = binary.LittleEndian.AppendUint64(out, uint64(b))
	for _, v := range row {
		out = binary.LittleEndian.AppendUint32(out, v)
	}
	return xxhash.Sum64(out)
}

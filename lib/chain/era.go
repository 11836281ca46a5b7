package chain

import "math/bits"

// Era is a transaction's validity window: immortal, or mortal for Period
// blocks from the block it was built at.
type Era struct {
	Immortal bool
	Period   uint64 // a power of two in [4, 65536] once normalized
	Phase    uint64
}

// MortalEra is the era of a transaction built at block current, valid for
// about period blocks (rounded up to a power of two, clamped to [4, 65536]).
func MortalEra(period, current uint64) Era {
	p := uint64(4)
	for p < period && p < 1<<16 {
		p <<= 1
	}
	quantize := max(p>>12, 1)
	phase := current % p / quantize * quantize
	return Era{Period: p, Phase: phase}
}

// Birth is the first block of a mortal era's window that is ≤ current.
func (e Era) Birth(current uint64) uint64 {
	if e.Immortal {
		return 0
	}
	return (max(current, e.Phase)-e.Phase)/e.Period*e.Period + e.Phase
}

// Encode is the era's SCALE form: 0x00 for immortal, else two bytes packing
// log2(period)-1 in the low 4 bits and the quantized phase above them.
func (e Era) Encode() []byte {
	if e.Immortal {
		return []byte{0}
	}
	quantize := max(e.Period>>12, 1)
	low := uint64(bits.TrailingZeros64(e.Period)) - 1
	low = min(max(low, 1), 15)
	v := low | (e.Phase/quantize)<<4
	return []byte{byte(v), byte(v >> 8)}
}

// DecodeEra reads an era from b, returning it and the bytes used.
func DecodeEra(b []byte) (Era, int, bool) {
	if len(b) < 1 {
		return Era{}, 0, false
	}
	if b[0] == 0 {
		return Era{Immortal: true}, 1, true
	}
	if len(b) < 2 {
		return Era{}, 0, false
	}
	v := uint64(b[0]) | uint64(b[1])<<8
	period := uint64(2) << (v % 16)
	quantize := max(period>>12, 1)
	phase := (v >> 4) * quantize
	if period < 4 || phase >= period {
		return Era{}, 0, false
	}
	return Era{Period: period, Phase: phase}, 2, true
}

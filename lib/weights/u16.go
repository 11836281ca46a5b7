package weights

import (
	"errors"
	"math"
)

// ToU16 converts weights as the Bittensor SDK emits them: negatives are
// refused, an all-zero vector emits nothing (all zeros back), otherwise each
// weight is scaled so the largest becomes 65535 and rounded half to even.
// Zero entries are dropped by the caller when building the extrinsic.
func ToU16(w []float64) ([]uint16, error) {
	max := 0.0
	for _, x := range w {
		if x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, errors.New("weights must be finite and non-negative")
		}
		if x > max {
			max = x
		}
	}
	out := make([]uint16, len(w))
	if max == 0 {
		return out, nil
	}
	for i, x := range w {
		out[i] = uint16(math.RoundToEven(x / max * math.MaxUint16))
	}
	return out, nil
}

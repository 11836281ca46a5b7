// Package weights turns per-miner evaluation losses into chain weights with
// FLock's rules (the ff-weights command): the 2025 normalized score curve or
// the 2026 winner-takes-all rule, duplicate punishment, and the Bittensor
// SDK's u16 conversion. It is pure and offline: every decision is explained.
package weights

import (
	"errors"
	"fmt"
	"math"
)

// Competition is the --competition file: the competition's identity, the
// score curve's parameters and the policy knobs.
type Competition struct {
	ID       string   `json:"id"`
	EvalRepo string   `json:"eval_repo,omitempty"`
	Bench    float64  `json:"bench"`   // benchmark loss: scores bheight here
	MinB     float64  `json:"minb"`    // at or below: score 1
	MaxB     float64  `json:"maxb"`    // above: score 0
	BHeight  float64  `json:"bheight"` // score at the benchmark
	Pow      float64  `json:"pow"`     // curve exponent
	Rows     int      `json:"rows,omitempty"`
	Policy   Policy   `json:"policy,omitempty"`
	BurnUID  *int     `json:"burn_uid,omitempty"`
	Min      *float64 `json:"min_weight,omitempty"`
	// DuplicateTolerance groups losses within this absolute distance (default 1e-5).
	DuplicateTolerance *float64 `json:"duplicate_tolerance,omitempty"`
	// DuplicateRows groups datasets sharing more than this many rows (default 33).
	DuplicateRows *int `json:"duplicate_rows,omitempty"`
	// EligibleFraction of registered hotkeys eligible to win (default 0.05, at least one).
	EligibleFraction *float64 `json:"eligible_fraction,omitempty"`
}

// Defaults of the reference subnet (flockoff/constants.py), used when a
// competition file leaves a knob out.
const (
	DefaultBench              = 2.60
	DefaultMinB               = 2.40
	DefaultMaxB               = 2.80
	DefaultBHeight            = 0.05
	DefaultPow                = 2
	DefaultRows               = 100
	DefaultMinWeight          = 1e-6
	DefaultDuplicateTolerance = 1e-5
	DefaultDuplicateRows      = 33
	DefaultEligibleFraction   = 0.05
)

// ErrInvalidCurve marks competition parameters the curve cannot use.
var ErrInvalidCurve = errors.New("invalid score curve")

// Validate checks the curve parameters; the reference silently scores
// everyone 0 on bad parameters, we refuse them with the reason instead.
func (c *Competition) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidCurve}, a...)...)
	}
	for _, v := range []struct {
		name string
		x    float64
	}{{"bench", c.Bench}, {"minb", c.MinB}, {"maxb", c.MaxB}, {"bheight", c.BHeight}, {"pow", c.Pow}} {
		if math.IsNaN(v.x) || math.IsInf(v.x, 0) {
			return bad("%s is %v", v.name, v.x)
		}
	}
	switch {
	case c.ID == "":
		return bad("competition id is empty")
	case c.Pow <= 0:
		return bad("pow %v must be > 0", c.Pow)
	case c.Bench <= 0:
		return bad("bench %v must be > 0", c.Bench)
	case c.MinB >= c.MaxB:
		return bad("minb %v must be below maxb %v", c.MinB, c.MaxB)
	case c.Bench < c.MinB || c.Bench > c.MaxB:
		return bad("bench %v must lie within [minb %v, maxb %v]", c.Bench, c.MinB, c.MaxB)
	case c.BHeight < 0 || c.BHeight > 1:
		return bad("bheight %v must lie within [0, 1]", c.BHeight)
	}
	if c.EligibleFraction != nil && (*c.EligibleFraction <= 0 || *c.EligibleFraction > 1) {
		return bad("eligible_fraction %v must lie within (0, 1]", *c.EligibleFraction)
	}
	return nil
}

// Score is the 2025 piecewise power curve: 1 below minb, falling to bheight
// at bench and to 0 at maxb, with exponent pow; 0 above maxb.
func (c *Competition) Score(loss float64) float64 {
	switch {
	case math.IsNaN(loss):
		return 0
	case loss < c.MinB:
		return 1
	case loss > c.MaxB:
		return 0
	case loss <= c.Bench:
		// The reference raises the signed differences (loss-bench) and
		// (minb-bench) to pow separately: equal to this ratio for integer pow,
		// NaN for a fractional one. The ratio of magnitudes is the intended
		// curve for every pow > 0.
		if c.Bench == c.MinB {
			return c.BHeight
		}
		t := (c.Bench - loss) / (c.Bench - c.MinB)
		return (1-c.BHeight)*math.Pow(t, c.Pow) + c.BHeight
	default:
		if c.Bench == c.MaxB {
			return c.BHeight
		}
		t := (loss - c.Bench) / (c.MaxB - c.Bench)
		return c.BHeight - c.BHeight*math.Pow(t, c.Pow)
	}
}

func (c *Competition) minWeight() float64 {
	if c.Min != nil {
		return *c.Min
	}
	return DefaultMinWeight
}

func (c *Competition) dupTolerance() float64 {
	if c.DuplicateTolerance != nil {
		return *c.DuplicateTolerance
	}
	return DefaultDuplicateTolerance
}

func (c *Competition) dupRows() int {
	if c.DuplicateRows != nil {
		return *c.DuplicateRows
	}
	return DefaultDuplicateRows
}

func (c *Competition) eligibleFraction() float64 {
	if c.EligibleFraction != nil {
		return *c.EligibleFraction
	}
	return DefaultEligibleFraction
}

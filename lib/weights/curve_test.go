package weights

import (
	"errors"
	"math"
	"testing"
)

func ref() Competition {
	return Competition{ID: "c1", Bench: DefaultBench, MinB: DefaultMinB, MaxB: DefaultMaxB, BHeight: DefaultBHeight, Pow: DefaultPow}
}

func TestScoreCurve(t *testing.T) {
	c := ref()
	const eps = 1e-12
	tests := []struct {
		name string
		loss float64
		want float64
	}{
		{"far below minb", 1.0, 1},
		{"just below minb", 2.4 - 1e-9, 1},
		{"at minb", 2.4, 1},
		{"just above minb", 2.4 + 1e-9, 1 - 0.95*2*1e-9/0.2},
		{"halfway to bench", 2.5, 0.95*0.25 + 0.05},
		{"just below bench", 2.6 - 1e-9, 0.05},
		{"at bench", 2.6, 0.05},
		{"just above bench", 2.6 + 1e-9, 0.05},
		{"halfway to maxb", 2.7, 0.05 - 0.05*0.25},
		{"just below maxb", 2.8 - 1e-9, 0},
		{"at maxb", 2.8, 0},
		{"just above maxb", 2.8 + 1e-9, 0},
		{"far above maxb", 9, 0},
		{"NaN", math.NaN(), 0},
	}
	for _, tt := range tests {
		got := c.Score(tt.loss)
		if math.Abs(got-tt.want) > 1e-7 {
			t.Errorf("%s: Score(%v) = %.12g, want %.12g", tt.name, tt.loss, got, tt.want)
		}
	}
	// Monotone non-increasing across the whole range.
	prev := 2.0
	for x := 2.3; x <= 2.9; x += 0.001 {
		s := c.Score(x)
		if s > prev+eps {
			t.Fatalf("curve rises at %v: %v > %v", x, s, prev)
		}
		prev = s
	}
}

func TestScoreCurveOtherPowers(t *testing.T) {
	for _, pow := range []float64{0.5, 1, 3} {
		c := ref()
		c.Pow = pow
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		if got := c.Score(2.5); math.Abs(got-(0.95*math.Pow(0.5, pow)+0.05)) > 1e-12 {
			t.Errorf("pow %v: Score(2.5) = %v", pow, got)
		}
		if got := c.Score(2.7); math.Abs(got-(0.05-0.05*math.Pow(0.5, pow))) > 1e-12 {
			t.Errorf("pow %v: Score(2.7) = %v", pow, got)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Competition)
	}{
		{"min equals max", func(c *Competition) { c.MinB, c.MaxB = 2.6, 2.6 }},
		{"min above max", func(c *Competition) { c.MinB, c.MaxB = 2.9, 2.4 }},
		{"pow zero", func(c *Competition) { c.Pow = 0 }},
		{"pow negative", func(c *Competition) { c.Pow = -2 }},
		{"bench zero", func(c *Competition) { c.Bench = 0 }},
		{"bench outside", func(c *Competition) { c.Bench = 3 }},
		{"bheight above 1", func(c *Competition) { c.BHeight = 1.5 }},
		{"NaN bench", func(c *Competition) { c.Bench = math.NaN() }},
		{"no id", func(c *Competition) { c.ID = "" }},
		{"eligible fraction 0", func(c *Competition) { z := 0.0; c.EligibleFraction = &z }},
	}
	for _, tt := range tests {
		c := ref()
		tt.edit(&c)
		if err := c.Validate(); !errors.Is(err, ErrInvalidCurve) {
			t.Errorf("%s: Validate = %v, want ErrInvalidCurve", tt.name, err)
		}
		if _, err := Compute(Input{Competition: c}); !errors.Is(err, ErrInvalidCurve) {
			t.Errorf("%s: Compute = %v, want ErrInvalidCurve", tt.name, err)
		}
	}
	c := ref()
	if err := c.Validate(); err != nil {
		t.Fatalf("reference defaults rejected: %v", err)
	}
}

func TestToU16(t *testing.T) {
	tests := []struct {
		in   []float64
		want []uint16
		err  bool
	}{
		{[]float64{0, 0}, []uint16{0, 0}, false},
		{[]float64{1, 0.5}, []uint16{65535, 32768}, false}, // 32767.5 rounds to even
		{[]float64{0.2, 0.1}, []uint16{65535, 32768}, false},
		{[]float64{3, 1, 0}, []uint16{65535, 21845, 0}, false},
		{[]float64{1, -0.1}, nil, true},
		{[]float64{math.NaN()}, nil, true},
	}
	for _, tt := range tests {
		got, err := ToU16(tt.in)
		if (err != nil) != tt.err {
			t.Errorf("ToU16(%v) err = %v", tt.in, err)
			continue
		}
		for i := range tt.want {
			if got[i] != tt.want[i] {
				t.Errorf("ToU16(%v) = %v, want %v", tt.in, got, tt.want)
				break
			}
		}
	}
}

package dedup

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/flock-off/ff/lib/minhash"
	"github.com/flock-off/ff/lib/record"
)

// Params are the settings a signature file is made with; every stage after
// it reads them from the file, so the stages cannot disagree.
type Params struct {
	NGram     int     `json:"ngram"`
	Bands     int     `json:"bands"`
	Rows      int     `json:"rows"`
	Seed      uint64  `json:"seed"`
	Fields    string  `json:"fields"`
	Keep      string  `json:"keep"`
	Threshold float64 `json:"threshold"`
}

// DefaultParams are ff-dedup's defaults (see docs/ff-dedup.md for the curve).
var DefaultParams = Params{NGram: 5, Bands: minhash.Default.Bands, Rows: minhash.Default.Rows, Seed: 42, Keep: "first", Threshold: 0.8}

func (p Params) banding() minhash.Bands { return minhash.Bands{Bands: p.Bands, Rows: p.Rows} }

// Validate checks the settings a user can get wrong.
func (p Params) Validate() error {
	if p.NGram < 1 || p.NGram > 64 {
		return fmt.Errorf("--ngram %d: want 1..64", p.NGram)
	}
	if err := p.banding().Validate(); err != nil {
		return err
	}
	if !(p.Threshold > 0 && p.Threshold <= 1) {
		return fmt.Errorf("--threshold %g: want a Jaccard in (0, 1]", p.Threshold)
	}
	_, err := parseKeep(p.Keep)
	return err
}

// keepRule picks the row a cluster keeps.
type keepRule struct {
	kind  string // "first", "longest" or "field"
	field string
}

func parseKeep(s string) (keepRule, error) {
	switch {
	case s == "first" || s == "":
		return keepRule{kind: "first"}, nil
	case s == "longest":
		return keepRule{kind: "longest"}, nil
	case strings.HasPrefix(s, "field:") && len(s) > len("field:"):
		return keepRule{kind: "field", field: s[len("field:"):]}, nil
	}
	return keepRule{}, fmt.Errorf("--keep %q: want first, longest or field:NAME", s)
}

// value is what field:NAME compares: the field as a number (a JSON number
// or a numeric string); missing or non-numeric fields lose to any number.
func (k keepRule) value(r *record.Record) float64 {
	if k.kind != "field" {
		return 0
	}
	raw, ok := r.Get(k.field)
	if !ok {
		return math.Inf(-1)
	}
	s := string(raw)
	if len(s) > 1 && s[0] == '"' {
		u, err := record.Unquote(raw)
		if err != nil {
			return math.Inf(-1)
		}
		s = u
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) {
		return math.Inf(-1)
	}
	return f
}

// better reports whether row a beats row b under the rule; ties go to the
// earlier row, so the choice never depends on the order rows were merged.
func (k keepRule) better(a, b *Row, ia, ib int) bool {
	switch k.kind {
	case "longest":
		if a.Len != b.Len {
			return a.Len > b.Len
		}
	case "field":
		if a.Keep != b.Keep {
			return a.Keep > b.Keep
		}
	}
	return ia < ib
}

package weights

import (
	"encoding/json"
	"fmt"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/record"
	"github.com/urfave/cli/v2"
)

// overlapKeys name the fields of an ff-dedup overlap line: the two datasets
// and the counts of rows of each with a twin in the other.
var (
	overlapA      = []string{"a", "dataset_a"}
	overlapB      = []string{"b", "dataset_b"}
	overlapCounts = []string{"shared", "a_in_b", "b_in_a", "a_rows_in_b", "b_rows_in_a"}
)

// ParseOverlap reads one overlap line: Shared is the largest of its counts.
func ParseOverlap(raw []byte) (Overlap, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return Overlap{}, err
	}
	var o Overlap
	pick := func(keys []string) (string, bool) {
		for _, k := range keys {
			var s string
			if v, ok := m[k]; ok && json.Unmarshal(v, &s) == nil {
				return s, true
			}
		}
		return "", false
	}
	var okA, okB bool
	o.A, okA = pick(overlapA)
	o.B, okB = pick(overlapB)
	if !okA || !okB {
		return o, fmt.Errorf("an overlap line needs the dataset names a and b")
	}
	found := false
	for _, k := range overlapCounts {
		var n int
		if v, ok := m[k]; ok && json.Unmarshal(v, &n) == nil {
			found = true
			if n > o.Shared {
				o.Shared = n
			}
		}
	}
	if !found {
		return o, fmt.Errorf("an overlap line needs a count (%v)", overlapCounts)
	}
	return o, nil
}

func readOverlaps(c *cli.Context, path string) ([]Overlap, error) {
	var os []Overlap
	var problems []string
	err := eachRecord(c, path, func(rec *record.Record) error {
		o, err := ParseOverlap(rec.Raw)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", rec.Source, err))
			return nil
		}
		os = append(os, o)
		return nil
	}, func(re *record.RowError) { problems = append(problems, re.Error()) })
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, app.Dataf("overlap: %s", problems[0])
	}
	return os, nil
}

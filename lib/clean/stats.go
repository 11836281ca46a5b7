package clean

import (
	"fmt"
	"math/bits"
	"sort"
	"strings"

	"github.com/flock-off/ff/lib/convert"
	"github.com/flock-off/ff/lib/quality"
)

// Stats are a run's counts; workers fill one per batch and the writer
// merges them in input order. It is what --stats writes.
type Stats struct {
	Read       int64                 `json:"read"`
	Wrote      int64                 `json:"wrote"`
	Rejected   int64                 `json:"rejected"`
	Malformed  int64                 `json:"malformed"`
	Rules      map[string]int64      `json:"rules"`
	Formats    map[string]int64      `json:"formats"`
	PII        quality.PIICounts     `json:"pii_redacted"`
	Histograms map[string]*Histogram `json:"histograms"`
}

// Histogram counts values in power-of-two buckets: bucket i holds values
// v with 2^(i-1) <= v < 2^i (bucket 0 holds 0).
type Histogram struct {
	Unit   string  `json:"unit"`
	Upper  []int64 `json:"upper_bounds"` // exclusive upper bound of each bucket
	Counts []int64 `json:"counts"`
}

func (h *Histogram) add(v int) {
	i := 0
	if v > 0 {
		i = bits.Len(uint(v))
	}
	for len(h.Counts) <= i {
		h.Upper = append(h.Upper, int64(1)<<len(h.Counts))
		h.Counts = append(h.Counts, 0)
	}
	h.Counts[i]++
}

func (h *Histogram) merge(o *Histogram) {
	for i, c := range o.Counts {
		for len(h.Counts) <= i {
			h.Upper = append(h.Upper, int64(1)<<len(h.Counts))
			h.Counts = append(h.Counts, 0)
		}
		h.Counts[i] += c
	}
}

func newStats() *Stats {
	return &Stats{
		Rules: map[string]int64{}, Formats: map[string]int64{}, PII: quality.PIICounts{},
		Histograms: map[string]*Histogram{
			"answer_words": {Unit: "words per answer (kept rows)"},
			"row_chars":    {Unit: "characters per row, all turns (kept rows)"},
			"turns":        {Unit: "turns per row, system excluded (kept rows)"},
		},
	}
}

func (s *Stats) reject(rule string, malformed bool) {
	s.Rejected++
	s.Rules[rule]++
	if malformed {
		s.Malformed++
	}
}

func (s *Stats) answer(words int) { s.Histograms["answer_words"].add(words) }

func (s *Stats) keep(row *convert.Row, to convert.Target) {
	chars := 0
	row.Texts(to, func(m *convert.Message) { chars += quality.RuneCount(m.Text) })
	s.Histograms["row_chars"].add(chars)
	s.Histograms["turns"].add(len(row.Turns))
}

func (s *Stats) merge(o *Stats) {
	s.Read += o.Read
	s.Wrote += o.Wrote
	s.Rejected += o.Rejected
	s.Malformed += o.Malformed
	for k, v := range o.Rules {
		s.Rules[k] += v
	}
	for k, v := range o.Formats {
		s.Formats[k] += v
	}
	for k, v := range o.PII {
		s.PII[k] += v
	}
	for k, h := range o.Histograms {
		s.Histograms[k].merge(h)
	}
}

// ruleList is "rule n, rule m" by count, largest first.
func ruleList(m map[string]int64, order []string) string {
	type kv struct {
		k string
		v int64
	}
	var l []kv
	for k, v := range m {
		if v > 0 {
			l = append(l, kv{k, v})
		}
	}
	if order == nil {
		sort.Slice(l, func(i, j int) bool { return l[i].v > l[j].v || l[i].v == l[j].v && l[i].k < l[j].k })
	} else {
		pos := map[string]int{}
		for i, k := range order {
			pos[k] = i
		}
		sort.Slice(l, func(i, j int) bool { return pos[l[i].k] < pos[l[j].k] })
	}
	parts := make([]string, len(l))
	for i, p := range l {
		parts[i] = fmt.Sprintf("%s %d", p.k, p.v)
	}
	return strings.Join(parts, ", ")
}

// Summary is the one-line end-of-run report.
func (s *Stats) Summary(check bool) string {
	var b strings.Builder
	if check {
		fmt.Fprintf(&b, "checked %d rows: %d pass, %d would be rejected", s.Read, s.Wrote, s.Rejected)
	} else {
		fmt.Fprintf(&b, "read %d rows, wrote %d, rejected %d", s.Read, s.Wrote, s.Rejected)
	}
	if s.Rejected > 0 {
		fmt.Fprintf(&b, " (%s)", ruleList(s.Rules, nil))
	}
	var n int64
	for _, v := range s.PII {
		n += int64(v)
	}
	if n > 0 {
		pii := map[string]int64{}
		for k, v := range s.PII {
			pii[k] = int64(v)
		}
		fmt.Fprintf(&b, "; redacted %d PII (%s)", n, ruleList(pii, quality.PIIKinds))
	}
	return b.String()
}

package quality

import (
	"fmt"
	"strconv"
	"strings"
)

// Filter names, as --filters and the summary use them.
const (
	FilterMinWords   = "min_words"
	FilterMaxWords   = "max_words"
	FilterDupLines   = "dup_lines"
	FilterDupParas   = "dup_paragraphs"
	FilterTopNgram   = "top_ngram"
	FilterSymbols    = "symbol_ratio"
	FilterNonAlnum   = "non_alnum"
	FilterWordLength = "word_length"
	FilterRefusal    = "refusal"
	FilterLang       = "lang" // on only when --lang names languages
)

// DefaultFilters are on unless --filters says otherwise.
var DefaultFilters = []string{FilterMinWords, FilterMaxWords, FilterDupLines, FilterDupParas,
	FilterTopNgram, FilterSymbols, FilterNonAlnum, FilterWordLength, FilterRefusal}

// Thresholds of the quality filters. The repetition limits are Gopher's
// (Rae et al. 2021, table A1); the statistics filters are looser than
// Gopher's web-page values because chat answers are short and hold code.
type Thresholds struct {
	MinWords, MaxWords int     // words per answer
	MaxDupLineFrac     float64 // share of an answer's lines that repeat an earlier line
	MaxDupLineChars    float64 // share of characters in such lines
	MaxDupParaFrac     float64 // the same for paragraphs (blocks between blank lines)
	MaxDupParaChars    float64
	MaxTopNgram        [3]float64 // share of characters in the most repeated 2-, 3- and 4-gram
	MaxSymbolRatio     float64    // "#" words and ellipses per word
	MaxNonAlnum        float64    // non-alphanumeric share of non-space characters
	MinMeanWordLen     float64    // mean word length in characters
	MaxMeanWordLen     float64
	StatsMinWords      int // the ratio and word-length filters look only at answers this long
	NgramMinWords      int // top_ngram looks only at answers this long (Gopher's documents have 50+ words)
}

// DefaultThresholds are the documented defaults (docs/ff-clean.md).
var DefaultThresholds = Thresholds{
	MinWords: 1, MaxWords: 10_000,
	MaxDupLineFrac: 0.30, MaxDupLineChars: 0.20,
	MaxDupParaFrac: 0.30, MaxDupParaChars: 0.20,
	MaxTopNgram:    [3]float64{0.20, 0.18, 0.16},
	MaxSymbolRatio: 0.10, MaxNonAlnum: 0.50,
	MinMeanWordLen: 2, MaxMeanWordLen: 15,
	StatsMinWords: 20, NgramMinWords: 50,
}

// FilterSet says which filters run.
type FilterSet map[string]bool

// ParseFilters reads --filters: "default", "none", names, and "-name" to
// remove one ("default,-non_alnum").
func ParseFilters(list string) (FilterSet, error) {
	s := FilterSet{}
	known := map[string]bool{FilterLang: true}
	for _, f := range DefaultFilters {
		known[f] = true
	}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		switch {
		case name == "default" || name == "all":
			for _, f := range DefaultFilters {
				s[f] = true
			}
		case name == "none" || name == "":
		case strings.HasPrefix(name, "-") && known[name[1:]]:
			delete(s, name[1:])
		case known[name]:
			s[name] = true
		default:
			return nil, fmt.Errorf("unknown filter %q (want default, none, or %s; -name removes one)", name, strings.Join(DefaultFilters, ", "))
		}
	}
	return s, nil
}

// Checker runs the quality filters on answers. It keeps scratch space:
// make one per worker. Its fields must not change after the first Answer.
type Checker struct {
	On       FilterSet
	T        Thresholds
	Refusals *Phrases
	// AlwaysMeasure measures every answer even when no filter needs it
	// (for the --stats histograms).
	AlwaysMeasure bool
	stats         TextStats
	// The set as a plain struct (map lookups per answer cost more than the filters).
	ready, measure bool
	on             onSet
}

// onSet is a FilterSet as plain switches.
type onSet struct {
	minWords, maxWords, dupLines, dupParas, topNgram, symbols, nonAlnum, wordLength, refusal bool
}

// measuring filters need TextStats; refusal and lang do not.
var measuring = []string{FilterMinWords, FilterMaxWords, FilterDupLines, FilterDupParas,
	FilterTopNgram, FilterSymbols, FilterNonAlnum, FilterWordLength}

// Answer checks one assistant answer; nil means it passes.
func (c *Checker) Answer(text []byte) *Problem {
	if !c.ready {
		c.prepare()
	}
	on := &c.on
	s := &c.stats
	if !c.measure {
		return c.refusal(text)
	}
	s.phrases = nil
	if on.refusal && c.Refusals != nil && c.Refusals.firsts != nil {
		s.phrases = c.Refusals // found during the measuring pass
	}
	s.Measure(text, on.dupLines || on.dupParas, on.topNgram)
	if on.minWords && s.Words < c.T.MinWords {
		return &Problem{FilterMinWords, fmt.Sprintf("%d words < %d", s.Words, c.T.MinWords)}
	}
	if on.maxWords && c.T.MaxWords > 0 && s.Words > c.T.MaxWords {
		return &Problem{FilterMaxWords, fmt.Sprintf("%d words > %d", s.Words, c.T.MaxWords)}
	}
	if on.dupLines {
		if f := s.DupLineFrac(); f > c.T.MaxDupLineFrac {
			return &Problem{FilterDupLines, "duplicate lines " + pct(f) + " > " + pct(c.T.MaxDupLineFrac)}
		}
		if f := s.DupLineChars(); f > c.T.MaxDupLineChars {
			return &Problem{FilterDupLines, "characters in duplicate lines " + pct(f) + " > " + pct(c.T.MaxDupLineChars)}
		}
	}
	if on.dupParas {
		if f := s.DupParaFrac(); f > c.T.MaxDupParaFrac {
			return &Problem{FilterDupParas, "duplicate paragraphs " + pct(f) + " > " + pct(c.T.MaxDupParaFrac)}
		}
		if f := s.DupParaChars(); f > c.T.MaxDupParaChars {
			return &Problem{FilterDupParas, "characters in duplicate paragraphs " + pct(f) + " > " + pct(c.T.MaxDupParaChars)}
		}
	}
	if on.topNgram && s.Words >= c.T.NgramMinWords {
		if n, f := s.TopNgramOver(c.T.MaxTopNgram); n > 0 {
			return &Problem{FilterTopNgram, "most repeated " + strconv.Itoa(n) + "-gram covers " + pct(f) + " > " + pct(c.T.MaxTopNgram[n-2])}
		}
	}
	if s.Words >= c.T.StatsMinWords {
		if on.symbols {
			if f := float64(s.SymbolWords) / float64(s.Words); f > c.T.MaxSymbolRatio {
				return &Problem{FilterSymbols, "symbols per word " + ratio(f) + " > " + ratio(c.T.MaxSymbolRatio)}
			}
		}
		if on.nonAlnum && s.NonSpace > 0 {
			if f := 1 - float64(s.Alnum)/float64(s.NonSpace); f > c.T.MaxNonAlnum {
				return &Problem{FilterNonAlnum, "non-alphanumeric characters " + pct(f) + " > " + pct(c.T.MaxNonAlnum)}
			}
		}
		if on.wordLength {
			m := float64(s.WordChars) / float64(s.Words)
			if m < c.T.MinMeanWordLen || m > c.T.MaxMeanWordLen {
				return &Problem{FilterWordLength, "mean word length " + ratio(m) + " outside " + ratio(c.T.MinMeanWordLen) + ".." + ratio(c.T.MaxMeanWordLen)}
			}
		}
	}
	if s.phrases != nil {
		if s.Refusal != "" {
			return &Problem{FilterRefusal, "contains " + strconv.Quote(s.Refusal)}
		}
		return nil
	}
	return c.refusal(text)
}

// prepare turns the FilterSet into plain switches once (a map lookup per
// answer and filter would cost more than some filters).
func (c *Checker) prepare() {
	on := c.On
	c.on = onSet{on[FilterMinWords], on[FilterMaxWords], on[FilterDupLines], on[FilterDupParas],
		on[FilterTopNgram], on[FilterSymbols], on[FilterNonAlnum], on[FilterWordLength], on[FilterRefusal]}
	c.measure = c.AlwaysMeasure
	for _, f := range measuring {
		c.measure = c.measure || on[f]
	}
	c.ready = true
}

func (c *Checker) refusal(text []byte) *Problem {
	if c.on.refusal && c.Refusals != nil {
		if p := c.Refusals.Find(text); p != "" {
			return &Problem{FilterRefusal, "contains " + strconv.Quote(p)}
		}
	}
	return nil
}

// Words is the word count of the last answer checked (for histograms).
func (c *Checker) Words() int { return c.stats.Words }

func pct(f float64) string   { return strconv.FormatFloat(100*f, 'f', 1, 64) + "%" }
func ratio(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

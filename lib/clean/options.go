package clean

import (
	"os"
	"strconv"
	"strings"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/convert"
	"github.com/flock-off/ff/lib/quality"
	"github.com/urfave/cli/v2"
)

// Options is everything a worker needs, read once from the flags.
type Options struct {
	To         convert.Target
	Norm       quality.Normalizer
	Limits     quality.Limits
	Filters    quality.FilterSet
	Thresholds quality.Thresholds
	Refusals   *quality.Phrases
	Langs      []string
	RedactPII  bool
	DropFields bool
	Histograms bool // --stats: measure lengths for its histograms
}

func options(c *cli.Context) (*Options, error) {
	o := &Options{
		Limits:     quality.Limits{MaxChars: c.Int("max-chars"), MaxTurns: c.Int("max-turns")},
		Thresholds: quality.DefaultThresholds,
		RedactPII:  c.Bool("redact-pii"),
		DropFields: c.Bool("drop-fields"),
		Histograms: c.String("stats") != "",
	}
	var ok bool
	if o.To, ok = convert.ParseTarget(c.String("to")); !ok {
		return nil, app.Usagef("--to %q: want sft or dpo", c.String("to"))
	}
	var err error
	if o.Norm, err = quality.ParseNormalizer(c.String("normalize")); err != nil {
		return nil, app.Usagef("--normalize: %v", err)
	}
	if o.Filters, err = quality.ParseFilters(c.String("filters")); err != nil {
		return nil, app.Usagef("--filters: %v", err)
	}
	t := &o.Thresholds
	t.MinWords, t.MaxWords = c.Int("min-words"), c.Int("max-words")
	t.MaxDupLineFrac = c.Float64("max-dup-lines")
	t.MaxDupParaFrac = c.Float64("max-dup-paragraphs")
	t.MaxSymbolRatio = c.Float64("max-symbol-ratio")
	t.MaxNonAlnum = c.Float64("max-non-alnum")
	ng := strings.Split(c.String("max-top-ngram"), ",")
	if len(ng) != 3 {
		return nil, app.Usagef("--max-top-ngram: want three shares for 2-, 3- and 4-grams, like 0.20,0.18,0.16")
	}
	for i, s := range ng {
		if t.MaxTopNgram[i], err = strconv.ParseFloat(strings.TrimSpace(s), 64); err != nil {
			return nil, app.Usagef("--max-top-ngram: %v", err)
		}
	}
	lo, hi, found := strings.Cut(c.String("word-length"), ":")
	if !found {
		return nil, app.Usagef("--word-length: want MIN:MAX, like 2:15")
	}
	if t.MinMeanWordLen, err = strconv.ParseFloat(lo, 64); err == nil {
		t.MaxMeanWordLen, err = strconv.ParseFloat(hi, 64)
	}
	if err != nil {
		return nil, app.Usagef("--word-length: %v", err)
	}
	if l := c.String("lang"); l != "" {
		if o.Langs, err = quality.ParseLangs(l); err != nil {
			return nil, app.Usagef("--lang: %v", err)
		}
		o.Filters[quality.FilterLang] = true
	}
	o.Refusals = quality.NewPhrases(quality.DefaultRefusals)
	if p := c.String("refusals"); p != "" {
		f, err := os.Open(p)
		if err != nil {
			return nil, app.Failf("--refusals: %v", err)
		}
		defer f.Close()
		if o.Refusals, err = quality.ReadPhrases(f); err != nil {
			return nil, app.Failf("--refusals: %v", err)
		}
	}
	return o, nil
}

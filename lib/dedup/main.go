// Package dedup is the ff-dedup command: exact and MinHash near-duplicate
// removal, contamination checks against reference sets, dataset overlap, and
// the same algorithm as separate stages for job arrays.
package dedup

import (
	"github.com/flock-off/ff/lib/hub"
	"io"

	"github.com/flock-off/ff/lib/app"
	"github.com/urfave/cli/v2"
)

const usageText = `ff-dedup [options] [FILE...]         remove duplicates (stdin when no FILE)
   ff-dedup --against REF... [FILE...]  also drop rows that duplicate a reference row
   ff-dedup overlap A B [C...]          rows each pair of datasets shares
   ff-dedup signatures --shard I/N -o SIG FILE...   \
   ff-dedup buckets --band B -o BKT SIG...           | the same run as stages
   ff-dedup clusters -o CLUSTERS.jsonl SIG... BKT... |  (job arrays, see docs/ff-dedup.md)
   ff-dedup filter --clusters CLUSTERS.jsonl FILE... /`

const description = `Rows are duplicates when their normalized text is identical (128-bit hash) or
when MinHash LSH makes them candidates and the exact Jaccard of their word
5-gram sets reaches --threshold. Duplicates form clusters (union-find); each
cluster keeps one row (--keep) and the others are removed. The text of a row is
all turns of "conversations"/"messages", or prompt + chosen (DPO), or
prompt + completion, or "text" (change with --fields). Rows with fewer words
than --ngram are compared exactly. Output is byte-identical for any --threads.`

// Main runs ff-dedup with args (without the program name) and returns its exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	hub.RegisterInputs(hub.Options{Stderr: stderr})
	a := &cli.App{
		Name:            "ff-dedup",
		Usage:           "remove exact and near-duplicate rows; check contamination and overlap",
		UsageText:       usageText,
		Description:     description,
		HideHelpCommand: true,
		Flags:           dedupFlags(),
		Action:          runDedup,
		Commands: []*cli.Command{
			overlapCommand(),
			signaturesCommand(),
			bucketsCommand(),
			clustersCommand(),
			filterCommand(),
		},
	}
	return app.Run(a, args, stdin, stdout, stderr)
}

// Flag names.
const (
	flagNGram     = "ngram"
	flagBandsN    = "bands"
	flagRowsN     = "rows"
	flagThreshold = "threshold"
	flagFields    = "fields"
	flagKeep      = "keep"
	flagClusters  = "clusters"
	flagRemoved   = "removed"
	flagAgainst   = "against"
	flagReport    = "report"
	flagSelf      = "self"
)

// paramFlags are the settings of the algorithm (shared by the single run,
// signatures and overlap).
func paramFlags() []cli.Flag {
	d := DefaultParams
	return []cli.Flag{
		&cli.IntFlag{Name: flagNGram, Value: d.NGram, Usage: "words per shingle (characters for text without spaces)"},
		&cli.IntFlag{Name: flagBandsN, Value: d.Bands, Usage: "LSH bands"},
		&cli.IntFlag{Name: flagRowsN, Value: d.Rows, Usage: "signature values per band (bands×rows hash functions)"},
		&cli.Float64Flag{Name: flagThreshold, Value: d.Threshold, Usage: "exact Jaccard at or above which a candidate pair is a duplicate"},
		&cli.StringFlag{Name: flagFields, Usage: "comma-separated `FIELDS` whose text is compared (default: by row shape)"},
		&cli.StringFlag{Name: flagKeep, Value: d.Keep, Usage: "row a cluster keeps: first, longest or field:NAME (largest number); ties go to the earlier row"},
		app.SeedFlag(int64(d.Seed)),
	}
}

func dedupFlags() []cli.Flag {
	f := append(app.OutputFlags(), app.RejectsFlag())
	f = append(f, paramFlags()...)
	f = append(f,
		&cli.StringFlag{Name: flagClusters, Usage: "write the clusters as JSONL to `FILE` (kept row, removed rows with FILE:LINE and Jaccard)"},
		&cli.StringFlag{Name: flagRemoved, Usage: "write the removed rows to `FILE`, each with a _dedup field saying why"},
		&cli.StringSliceFlag{Name: flagAgainst, Usage: "reference `FILE`s (e.g. the evaluation set): drop rows that duplicate any of their rows"},
		&cli.BoolFlag{Name: flagReport, Usage: "with --against: drop nothing, only count and report contaminated rows"},
		&cli.BoolFlag{Name: flagSelf, Value: true, Usage: "with --against: also remove duplicates within the input (--self=false to skip)"},
	)
	return append(f, app.CommonFlags()...)
}

// paramsOf reads the algorithm flags.
func paramsOf(c *cli.Context) (Params, error) {
	p := Params{
		NGram:     c.Int(flagNGram),
		Bands:     c.Int(flagBandsN),
		Rows:      c.Int(flagRowsN),
		Seed:      uint64(c.Int64(app.FlagSeed)),
		Fields:    c.String(flagFields),
		Keep:      c.String(flagKeep),
		Threshold: c.Float64(flagThreshold),
	}
	if err := p.Validate(); err != nil {
		return p, app.Usagef("%v", err)
	}
	return p, nil
}

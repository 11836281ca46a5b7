// Package clean is the ff-clean command: it converts raw chat rows to the
// canonical SFT or DPO schema, normalizes and validates them, and applies
// the named quality filters, rejecting rows with a reason.
package clean

import (
	"github.com/flock-off/ff/lib/hub"
	"io"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/quality"
	"github.com/urfave/cli/v2"
)

const description = `Reads rows (JSONL or Parquet; .gz and .zst too) from FILEs or stdin, detects
each row's format (FLock native, OpenAI messages, ShareGPT, Alpaca, self-instruct,
prompt/completion, DPO prompt/chosen/rejected, Anthropic HH-RLHF), converts it to
the canonical schema (--to sft|dpo), normalizes, validates and filters it, and
writes the rows that pass in input order. Every row is written or rejected with
a named rule: --rejects FILE keeps them. See docs/ff-clean.md for the formats,
the rules and their default thresholds.`

// Main runs ff-clean with args (without the program name) and returns its exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	hub.RegisterInputs(hub.Options{Stderr: stderr})
	t := quality.DefaultThresholds
	flags := append(app.OutputFlags(), app.RejectsFlag())
	flags = append(flags, app.CommonFlags()...)
	flags = append(flags,
		&cli.StringFlag{Name: "to", Value: "sft", Usage: "canonical schema of the output: `sft` or dpo"},
		&cli.StringFlag{Name: "normalize", Value: "all", Usage: "normalizations to apply: all, none, or a `LIST` of nfc, control, trim, blank-lines, empty-system"},
		&cli.StringFlag{Name: "filters", Value: "default", Usage: "quality filters: default, none, or a `LIST` of names; -name removes one (default,-non_alnum)"},
		&cli.IntFlag{Name: "max-chars", Value: quality.DefaultLimits.MaxChars, Usage: "reject rows with more characters than `N` over all turns (0: no limit)"},
		&cli.IntFlag{Name: "max-turns", Value: quality.DefaultLimits.MaxTurns, Usage: "reject rows with more than `N` turns (0: no limit)"},
		&cli.IntFlag{Name: "min-words", Value: t.MinWords, Usage: "min_words: fewest words in an answer"},
		&cli.IntFlag{Name: "max-words", Value: t.MaxWords, Usage: "max_words: most words in an answer"},
		&cli.Float64Flag{Name: "max-dup-lines", Value: t.MaxDupLineFrac, Usage: "dup_lines: most share of an answer's lines that repeat an earlier line"},
		&cli.Float64Flag{Name: "max-dup-paragraphs", Value: t.MaxDupParaFrac, Usage: "dup_paragraphs: most share of paragraphs that repeat an earlier one"},
		&cli.StringFlag{Name: "max-top-ngram", Value: "0.20,0.18,0.16", Usage: "top_ngram: most share of characters in the most repeated 2-,3-,4-gram"},
		&cli.Float64Flag{Name: "max-symbol-ratio", Value: t.MaxSymbolRatio, Usage: "symbol_ratio: most '#' words and ellipses per word"},
		&cli.Float64Flag{Name: "max-non-alnum", Value: t.MaxNonAlnum, Usage: "non_alnum: most share of non-alphanumeric characters"},
		&cli.StringFlag{Name: "word-length", Value: "2:15", Usage: "word_length: allowed mean word length `MIN:MAX`"},
		&cli.StringFlag{Name: "lang", Usage: "keep only rows in these languages, a `LIST` of codes (en,de,…); undetermined rows pass"},
		&cli.BoolFlag{Name: "redact-pii", Usage: "replace e-mails, phone numbers, IP addresses and card numbers with placeholders"},
		&cli.StringFlag{Name: "refusals", Usage: "read refusal/boilerplate phrases from `FILE`, one a line (replaces the default list)"},
		&cli.BoolFlag{Name: "check", Usage: "validate only: write no rows, exit 1 if any row would be rejected"},
		&cli.StringFlag{Name: "stats", Usage: "write per-rule counts and length histograms as JSON to `FILE`"},
		&cli.BoolFlag{Name: "drop-fields", Usage: "write only the canonical fields (default: other input fields follow them)"},
	)
	a := &cli.App{
		Name:        "ff-clean",
		Usage:       "normalize, validate and filter SFT/DPO rows into the canonical schema",
		UsageText:   "ff-clean [options] [FILE...]",
		Description: description,
		Flags:       flags,
		Action:      run,
	}
	return app.Run(a, args, stdin, stdout, stderr)
}

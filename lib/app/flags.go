package app

import (
	"runtime"
	"strings"

	"github.com/urfave/cli/v2"
)

// Names of the flags every binary shares; use these constants to read them.
const (
	FlagOutput       = "output"
	FlagOutputFormat = "output-format"
	FlagRejects      = "rejects"
	FlagQuiet        = "quiet"
	FlagLogFormat    = "log-format"
	FlagThreads      = "threads"
	FlagSeed         = "seed"
)

// OutputFlags are -o/--output and --output-format.
func OutputFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: FlagOutput, Aliases: []string{"o"}, Usage: "write data to `FILE` (atomically) instead of stdout; a .parquet name picks Parquet"},
		&cli.StringFlag{Name: FlagOutputFormat, Usage: "output format: jsonl or parquet (default: from -o's extension, else jsonl)"},
	}
}

// JSONOutputFlag is -o/--output for commands that write JSON lines only.
func JSONOutputFlag() cli.Flag {
	return &cli.StringFlag{Name: FlagOutput, Aliases: []string{"o"}, Usage: "write the JSON lines to `FILE` (atomically) instead of stdout"}
}

// JSONOutputFlags are -o and --output-format for commands that write JSON
// lines only (--output-format is kept so scripts can name it everywhere).
func JSONOutputFlags() []cli.Flag {
	return []cli.Flag{JSONOutputFlag(), &cli.StringFlag{Name: FlagOutputFormat, Usage: "output format: jsonl (the only one here)"}}
}

// JSONLOnly refuses Parquet output (-o x.parquet, --output-format parquet)
// for a command whose output is JSON lines, before any work, rather than
// writing JSON into a file named .parquet.
func JSONLOnly(c *cli.Context) error {
	if f := c.String(FlagOutputFormat); f != "" && f != "jsonl" {
		return Usagef("--output-format %s: this command writes JSON lines only", f)
	}
	if p := c.String(FlagOutput); strings.HasSuffix(strings.ToLower(p), ".parquet") {
		return Usagef("-o %s: this command writes JSON lines only (name it .jsonl or .json)", p)
	}
	return nil
}

// RejectsFlag is --rejects FILE.
func RejectsFlag() cli.Flag {
	return &cli.StringFlag{Name: FlagRejects, Usage: "write rejected and malformed rows to `FILE` with a _reject field"}
}

// CommonFlags are --quiet, --log-format and --threads.
func CommonFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: FlagQuiet, Aliases: []string{"q"}, Usage: "no progress bar and no summary on stderr"},
		&cli.StringFlag{Name: FlagLogFormat, Value: "text", Usage: "stderr messages as `text` or json (for cron/CI)",
			Action: func(_ *cli.Context, v string) error {
				if v != "text" && v != "json" {
					return Usagef("--log-format %q: want text or json", v)
				}
				return nil
			}},
		&cli.IntFlag{Name: FlagThreads, Value: 0, Usage: "worker threads", DefaultText: "all cores",
			Action: func(_ *cli.Context, n int) error {
				if n < 0 {
					return Usagef("--threads %d: want a positive count (0: all cores)", n)
				}
				return nil
			}},
	}
}

// SeedFlag is --seed N where randomness exists.
func SeedFlag(def int64) cli.Flag {
	return &cli.Int64Flag{Name: FlagSeed, Value: def, Usage: "random seed"}
}

// Threads reads --threads, defaulting to the number of cores.
func Threads(c *cli.Context) int {
	if n := c.Int(FlagThreads); n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

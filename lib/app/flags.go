package app

import (
	"runtime"

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

// RejectsFlag is --rejects FILE.
func RejectsFlag() cli.Flag {
	return &cli.StringFlag{Name: FlagRejects, Usage: "write rejected and malformed rows to `FILE` with a _reject field"}
}

// CommonFlags are --quiet, --log-format and --threads.
func CommonFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: FlagQuiet, Aliases: []string{"q"}, Usage: "no progress bar and no summary on stderr"},
		&cli.StringFlag{Name: FlagLogFormat, Value: "text", Usage: "stderr messages as `text` or json (for cron/CI)"},
		&cli.IntFlag{Name: FlagThreads, Value: 0, Usage: "worker threads", DefaultText: "all cores"},
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

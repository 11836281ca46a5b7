// Package score is the ff-score command.
package score

import (
	"io"

	"github.com/flock-off/ff/lib/app"
	"github.com/urfave/cli/v2"
)

// Main runs ff-score with args (without the program name) and returns its exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &cli.App{
		Name:  "ff-score",
		Usage: "(being built)",
		Action: func(c *cli.Context) error {
			return app.Usagef("ff-score is not built yet")
		},
	}
	return app.Run(a, args, stdin, stdout, stderr)
}

// Package weights is the ff-weights command.
package weights

import (
	"io"

	"github.com/flock-off/ff/lib/app"
	"github.com/urfave/cli/v2"
)

// Main runs ff-weights with args (without the program name) and returns its exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &cli.App{
		Name:  "ff-weights",
		Usage: "(being built)",
		Action: func(c *cli.Context) error {
			return app.Usagef("ff-weights is not built yet")
		},
	}
	return app.Run(a, args, stdin, stdout, stderr)
}

// Command ff-score: see lib/score and README.md.
package main

import (
	"os"

	"github.com/flock-off/ff/lib/score"
)

func main() { os.Exit(score.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

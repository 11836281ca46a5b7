// Command ff-weights: see lib/weights and README.md.
package main

import (
	"os"

	"github.com/flock-off/ff/lib/weights"
)

func main() { os.Exit(weights.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

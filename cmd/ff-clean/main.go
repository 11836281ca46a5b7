// Command ff-clean: see lib/clean and README.md.
package main

import (
	"os"

	"github.com/flock-off/ff/lib/clean"
)

func main() { os.Exit(clean.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// Command ff-dedup: see lib/dedup and README.md.
package main

import (
	"os"

	"github.com/flock-off/ff/lib/dedup"
)

func main() { os.Exit(dedup.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

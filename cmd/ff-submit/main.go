// Command ff-submit: see lib/submit and README.md.
package main

import (
	"os"

	"github.com/flock-off/ff/lib/submit"
)

func main() { os.Exit(submit.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

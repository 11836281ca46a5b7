package app

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// interleave moves flags that follow positional arguments in front of them,
// so `ff-clean in.jsonl -o out.jsonl` means what it says (urfave/cli, like
// Go's flag package, stops reading flags at the first argument). A
// subcommand name switches to that command's flags; "--" ends flag reading.
func interleave(flags []cli.Flag, cmds []*cli.Command, args []string) []string {
	var lead, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			rest = append(rest, args[i:]...)
			return append(lead, rest...)
		case len(a) > 1 && a[0] == '-':
			lead = append(lead, a)
			if !strings.Contains(a, "=") && takesValue(flags, strings.TrimLeft(a, "-")) && i+1 < len(args) {
				i++
				lead = append(lead, args[i])
			}
		default:
			if len(rest) == 0 {
				if c := findCommand(cmds, a); c != nil {
					sub := interleave(c.Flags, c.Subcommands, args[i+1:])
					return append(append(lead, a), sub...)
				}
			}
			rest = append(rest, a)
		}
	}
	if len(rest) > 0 && hasDash(rest) {
		// A positional that looks like a flag must stay after "--".
		return append(append(lead, "--"), rest...)
	}
	return append(lead, rest...)
}

func hasDash(args []string) bool {
	for _, a := range args {
		if len(a) > 1 && a[0] == '-' {
			return true
		}
	}
	return false
}

func takesValue(flags []cli.Flag, name string) bool {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				if d, ok := f.(cli.DocGenerationFlag); ok {
					return d.TakesValue()
				}
				return true
			}
		}
	}
	return false // unknown: let the parser report it
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

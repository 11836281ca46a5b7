package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/urfave/cli/v2"
)

type envKey struct{}

// Env is what a command run in-process talks to instead of os.Std*.
type Env struct {
	Prog   string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// EnvOf returns the Env of a running command.
func EnvOf(c *cli.Context) *Env {
	if e, ok := c.App.Metadata["env"].(*Env); ok {
		return e
	}
	return &Env{Prog: c.App.Name, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
}

// Run runs a urfave/cli App in-process with the given stdio and maps its
// result to the documented exit codes. SIGINT/SIGTERM cancel c.Context.
// Every binary's Main is a thin call of Run.
func Run(a *cli.App, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := &Env{Prog: a.Name, Stdin: stdin, Stdout: stdout, Stderr: stderr}
	if a.Metadata == nil {
		a.Metadata = map[string]any{}
	}
	a.Metadata["env"] = env
	// stdout is data: help goes there only when asked for; the help urfave
	// prints on a usage error goes to stderr.
	a.Reader, a.Writer, a.ErrWriter = stdin, stderr, stderr
	jsonLog := logFormatJSON(args)
	if wantsHelp(args) {
		a.Writer = stdout
	} else {
		// urfave prints the whole help before a missing-flag error, burying
		// the one line that matters; the error ends with a pointer to --help
		// instead. Under --log-format json the help would also break the
		// promise that every stderr line is JSON.
		a.Writer = io.Discard
		if jsonLog {
			a.ErrWriter = io.Discard
		}
	}
	if len(a.Commands) == 0 {
		a.HideHelpCommand = true
	} else if a.Action == nil {
		// Without this urfave treats a missing or mistyped command as a help
		// topic: exit 0 for none, "No help topic" (exit 3) for a typo.
		a.Action = noCommand
	}
	if a.Version == "" {
		a.Version = Version()
	}
	if a.CustomAppHelpTemplate == "" {
		a.CustomAppHelpTemplate = cli.AppHelpTemplate + ExitStatusHelp
	}
	a.ExitErrHandler = func(*cli.Context, error) {} // we own the exit
	a.OnUsageError = func(_ *cli.Context, err error, _ bool) error {
		return &ExitError{Code: Usage, Err: err}
	}
	for _, c := range a.Commands {
		markUsage(c)
	}

	ctx, stop := notifyInterrupt()
	defer stop()
	args = interleave(a.Flags, a.Commands, args)
	err := a.RunContext(ctx, append([]string{a.Name}, args...))
	code := CodeOf(err)
	if err != nil && isUsage(err) {
		code = Usage
	}
	if ctx.Err() != nil && code != OK {
		code = Interrupted
	}
	if err != nil {
		var ee *ExitError
		if !errors.As(err, &ee) || ee.Err != nil {
			msg := err.Error()
			if code == Interrupted {
				msg = "interrupted"
			}
			if code == Usage && !strings.Contains(msg, "--help") {
				msg += fmt.Sprintf(" (see %s --help)", helpPath(a, args))
			}
			if jsonLog {
				NewLogTo(stderr, a.Name, true, false).emit("error", msg, []KV{{Key: "exit", Value: code}}, true)
			} else {
				fmt.Fprintf(stderr, "%s: %s\n", a.Name, msg)
			}
		}
	}
	return code
}

// helpPath is "prog" or "prog command" for the command args name.
func helpPath(a *cli.App, args []string) string {
	for _, x := range args {
		if strings.HasPrefix(x, "-") {
			continue
		}
		if c := a.Command(x); c != nil {
			return a.Name + " " + c.Name
		}
		break
	}
	return a.Name
}

// interrupted is set once SIGINT/SIGTERM arrives and stays set: an output
// committed after it (say, when ^C also killed the process feeding stdin
// and the input looked complete) is discarded, see Output.Commit.
var interrupted atomic.Bool

// notifyInterrupt returns a context cancelled by SIGINT/SIGTERM that also
// sets interrupted.
func notifyInterrupt() (context.Context, func()) {
	interrupted.Store(false) // per run: tests run many in one process
	ctx, cancel := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sig:
			interrupted.Store(true)
			cancel()
		case <-done:
		}
	}()
	return ctx, func() { signal.Stop(sig); close(done); cancel() }
}

// noCommand is the action of an app that needs a command and got none or an unknown one.
func noCommand(c *cli.Context) error {
	if c.NArg() == 0 {
		c.App.Writer = EnvOf(c).Stderr // the command list, to stderr: stdout is data
		cli.ShowAppHelp(c)
		return Usagef("missing command (see %s --help)", c.App.Name)
	}
	return Usagef("unknown command %q (see %s --help)", c.Args().First(), c.App.Name)
}

func markUsage(c *cli.Command) {
	c.OnUsageError = func(_ *cli.Context, err error, _ bool) error {
		return &ExitError{Code: Usage, Err: err}
	}
	if c.CustomHelpTemplate == "" {
		c.CustomHelpTemplate = cli.CommandHelpTemplate + ExitStatusHelp
	}
	for _, s := range c.Subcommands {
		markUsage(s)
	}
}

func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "-h", "--help", "-help", "help", "--version", "-v":
			return true
		case "--":
			return false
		}
	}
	return false
}

// logFormatJSON reports whether args ask for --log-format json; it reads
// args itself because a usage error leaves no parsed flags to ask.
func logFormatJSON(args []string) bool {
	for i, a := range args {
		if a == "--" {
			return false
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != FlagLogFormat {
			continue
		}
		if !hasVal && i+1 < len(args) {
			val = args[i+1]
		}
		return val == "json"
	}
	return false
}

// isUsage recognizes the usage errors urfave/cli returns without calling OnUsageError.
func isUsage(err error) bool {
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code == Usage
	}
	s := err.Error()
	return strings.HasPrefix(s, "Required flag") || strings.HasPrefix(s, "Required flags") ||
		strings.Contains(s, "flag provided but not defined") || strings.HasPrefix(s, "invalid value") ||
		strings.HasPrefix(s, "No help topic")
}

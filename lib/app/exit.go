// Package app holds what every ff binary shares: exit codes, the in-process
// Main runner, the common flags, stderr logging, progress bars and atomic outputs.
package app

import (
	"context"
	"errors"
	"fmt"
)

// Exit codes, the same in every binary (listed in each --help).
const (
	OK          = 0   // success
	DataProblem = 1   // malformed rows seen, or a rejection under --check
	Usage       = 2   // bad flags or arguments
	Failure     = 3   // I/O, network or chain failure
	Interrupted = 130 // SIGINT/SIGTERM
)

// ExitStatusHelp is appended to every binary's --help.
const ExitStatusHelp = `
EXIT STATUS:
   0    ok
   1    data problems (malformed rows, or any rejection under --check)
   2    usage error
   3    I/O, network or chain failure
   130  interrupted (SIGINT/SIGTERM); outputs are not left half-written
`

// ExitError carries the exit code an error maps to.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// Exit wraps err so that Run exits with code. A nil err with a non-zero code
// exits quietly (the command already said what went wrong).
func Exit(code int, err error) error { return &ExitError{Code: code, Err: err} }

// Usagef reports a usage error (exit 2).
func Usagef(format string, args ...any) error {
	return &ExitError{Code: Usage, Err: fmt.Errorf(format, args...)}
}

// Dataf reports a data problem (exit 1).
func Dataf(format string, args ...any) error {
	return &ExitError{Code: DataProblem, Err: fmt.Errorf(format, args...)}
}

// Failf reports an I/O, network or chain failure (exit 3).
func Failf(format string, args ...any) error {
	return &ExitError{Code: Failure, Err: fmt.Errorf(format, args...)}
}

// CodeOf maps an error to its exit code: ExitError codes win, a cancelled
// context means interrupted, anything else unclassified is a failure (3).
func CodeOf(err error) int {
	if err == nil {
		return OK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	if errors.Is(err, context.Canceled) {
		return Interrupted
	}
	return Failure
}

package torchworker

import (
	"fmt"
	"strings"
)

// MissingError says which interpreter or Python package is missing and how
// to install it.
type MissingError struct {
	What   string // "python3", "torch", "bitsandbytes", ...
	Python string // the interpreter asked
	Detail string // the import error or lookup error
	Hint   string // how to install it
}

func (e *MissingError) Error() string {
	var b strings.Builder
	if e.What == "python" {
		fmt.Fprintf(&b, "torch backend: cannot run %s", e.Python)
	} else {
		fmt.Fprintf(&b, "torch backend: %s cannot import %s", e.Python, e.What)
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, " (%s)", e.Detail)
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, "; %s", e.Hint)
	}
	return b.String()
}

// OOMError is a CUDA (or host) out-of-memory failure: it names the batch that
// failed so the user knows which length to cut.
type OOMError struct {
	Device string
	Phase  string // "load", "base_eval", "train", "eval"
	Row    int    // index of the row in its set (-1 when not in a row)
	Length int    // tokens in that row
	Detail string
}

func (e *OOMError) Error() string {
	where := e.Phase
	if e.Row >= 0 {
		where = fmt.Sprintf("%s, row %d of batch size 1 at length %d tokens", e.Phase, e.Row, e.Length)
	}
	return fmt.Sprintf("torch backend: out of memory on %s (%s); try a shorter --max-seq-len, --dtype bf16 or --quant nf4: %s",
		e.Device, where, e.Detail)
}

// CrashError is a worker that ended without a result: its exit status and
// the last lines it wrote on stderr.
type CrashError struct {
	Status string   // "exit status 1", "signal: killed"
	Stderr []string // last lines of the worker's stderr
}

func (e *CrashError) Error() string {
	msg := "torch backend: the worker failed (" + e.Status + ")"
	if len(e.Stderr) == 0 {
		return msg + " and wrote nothing on stderr"
	}
	return msg + "; its last stderr lines:\n  " + strings.Join(e.Stderr, "\n  ")
}

// WorkerError is a failure the worker explained itself (a bad model
// directory, an unsupported architecture, an invalid adapter).
type WorkerError struct {
	Kind    string // "usage" or "failure"
	Message string
}

func (e *WorkerError) Error() string { return "torch backend: " + e.Message }

// Hints for installing what the worker needs.
const (
	hintPython = "install Python 3 with PyTorch (Debian/Ubuntu: apt-get install python3-torch; elsewhere: pip install torch) or pass --python PATH"
	hintTorch  = "install PyTorch for this interpreter (pip install torch, CUDA builds at pytorch.org; Debian/Ubuntu CPU build: apt-get install python3-torch) or pass --python with one that has it"
	hintBnb    = "pip install transformers peft bitsandbytes (needs a CUDA GPU)"
)

package torchworker

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/flock-off/ff/lib/app"
)

// Run starts the worker, hands it the job and reports its progress through
// onProgress (may be nil) until it returns a result. Cancelling ctx kills the
// worker (its whole process group). The adapter reaches Job.AdapterOut only
// when the worker succeeded; a failed or interrupted run leaves none behind.
// Errors carry app exit codes: usage errors 2, everything else 3, a
// cancelled context 130.
func Run(ctx context.Context, job Job, onProgress func(Progress)) (Result, error) {
	if err := job.Check(); err != nil {
		return Result{}, app.Exit(app.Usage, err)
	}
	// The worker runs in its script directory: hand it absolute paths.
	for _, p := range []*string{&job.ModelDir, &job.AdapterIn, &job.AdapterOut} {
		if *p != "" {
			abs, err := filepath.Abs(*p)
			if err != nil {
				return Result{}, app.Exit(app.Failure, fmt.Errorf("torch backend: %w", err))
			}
			*p = abs
		}
	}
	wire := wireJob{
		Protocol: ProtocolVersion, ModelDir: job.ModelDir, Train: job.Train, Order: job.Order,
		Eval: job.Eval, BaseEval: job.BaseEval, EvalOnly: job.EvalOnly, Recipe: job.Recipe,
		AdapterIn: job.AdapterIn, Device: job.Device, Dtype: job.Dtype, Quant: job.Quant,
		Optim: job.Optim, Impl: job.Impl, Threads: job.Threads,
	}
	if wire.Quant == "none" {
		wire.Quant = ""
	}
	var staging string
	if job.AdapterOut != "" && !job.EvalOnly {
		var err error
		if staging, err = stagingDir(job.AdapterOut); err != nil {
			return Result{}, app.Exit(app.Failure, err)
		}
		defer os.RemoveAll(staging) // gone after a successful rename, too
		wire.AdapterOut = staging
	}
	if !job.EvalOnly && job.AdapterIn == "" && !job.Recipe.UseRSLoRA {
		dir, err := initAdapter(&job)
		if err != nil {
			return Result{}, app.Exit(app.Usage, fmt.Errorf("torch backend: --model %s: %w", job.ModelDir, err))
		}
		defer os.RemoveAll(dir)
		wire.AdapterIn = dir
	}
	var res *Result
	err := session(ctx, job.Python, nil, job.Stderr, func(c Capabilities) (any, error) {
		if err := fitJob(&wire, c, job.python()); err != nil {
			return nil, err
		}
		return wire, nil
	}, func(m Message) {
		if m.Progress != nil && onProgress != nil {
			onProgress(*m.Progress)
		}
		if m.Result != nil {
			res = m.Result
		}
	}, wire.Device)
	if err == nil && res == nil {
		err = app.Exit(app.Failure, &WorkerError{Kind: "failure", Message: "the worker exited without a result"})
	}
	if err != nil {
		return Result{}, err
	}
	for i, s := range job.Eval {
		if labelCount(s.Labels) == 0 {
			res.Unlabeled = append(res.Unlabeled, i)
		}
	}
	if staging != "" {
		if err := replaceDir(staging, job.AdapterOut); err != nil {
			return Result{}, app.Exit(app.Failure, fmt.Errorf("torch backend: save adapter: %w", err))
		}
		res.AdapterOut = job.AdapterOut // absolute
	}
	return *res, nil
}

// Probe starts the worker only to read its hello: the interpreter, torch
// and the CUDA devices it sees (for --backend auto).
func Probe(ctx context.Context, python string) (Capabilities, error) {
	var caps Capabilities
	err := session(ctx, python, []string{"--probe"}, nil, func(c Capabilities) (any, error) {
		caps = c
		return nil, nil
	}, func(Message) {}, "")
	return caps, err
}

// labelCount is the number of positions that count in a row's loss: labels
// after the first (position t predicts label t+1) that are not Ignore.
func labelCount(labels []int32) int {
	n := 0
	for i := 1; i < len(labels); i++ {
		if labels[i] != Ignore {
			n++
		}
	}
	return n
}

func (j *Job) python() string {
	if j.Python == "" {
		return "python3"
	}
	return j.Python
}

// fitJob resolves the device/dtype defaults against what the worker can do
// and refuses what it cannot, before any model is loaded.
func fitJob(w *wireJob, c Capabilities, python string) error {
	if w.Device == "" {
		w.Device = "cpu"
		if c.UsableCUDA() {
			w.Device = "cuda:0"
		}
	}
	cuda := strings.HasPrefix(w.Device, "cuda")
	if w.Device != "cpu" && !cuda {
		return app.Usagef("torch backend: --device %q: want cuda, cuda:N or cpu", w.Device)
	}
	if cuda && !c.UsableCUDA() {
		why := c.CUDAError
		if why == "" {
			why = "torch.cuda.is_available() is false (a CPU-only torch build, or no driver)"
		}
		return app.Exit(app.Failure, fmt.Errorf("torch backend: --device %s but %s sees no CUDA device: %s", w.Device, python, why))
	}
	if w.Dtype == "" {
		w.Dtype = "fp32"
		if cuda {
			w.Dtype = "bf16"
		}
	}
	var missing []string
	need := func(name string, v *string) {
		if v == nil {
			missing = append(missing, name)
		}
	}
	if w.Quant == "nf4" || w.Optim == "paged_adamw_8bit" || w.Impl == "transformers" {
		need("transformers", c.Transformers)
		need("peft", c.Peft)
	}
	if w.Quant == "nf4" || w.Optim == "paged_adamw_8bit" {
		need("bitsandbytes", c.Bitsandbytes)
		if !cuda {
			return app.Usagef("torch backend: --quant nf4 and --optim paged_adamw_8bit need a CUDA device (--device cuda:0)")
		}
	}
	if len(missing) > 0 {
		what := "--impl transformers"
		if w.Quant == "nf4" {
			what = "--quant nf4"
		} else if w.Optim == "paged_adamw_8bit" {
			what = "--optim paged_adamw_8bit"
		}
		return app.Exit(app.Failure, &MissingError{What: strings.Join(missing, ", "), Python: python,
			Detail: "needed by " + what, Hint: hintBnb})
	}
	return nil
}

// session runs one worker: it writes the embedded scripts to a temporary
// directory, starts python on them, waits for the hello, asks onHello for the
// job line to send (nil: send nothing and let the worker finish), passes
// every later message to onMessage, and maps how the worker ended to an error.
func session(ctx context.Context, python string, args []string, stderrCopy io.Writer,
	onHello func(Capabilities) (any, error), onMessage func(Message), device string) error {
	if python == "" {
		python = "python3"
	}
	exe, err := exec.LookPath(python)
	if err != nil {
		return app.Exit(app.Failure, &MissingError{What: "python", Python: python, Detail: err.Error(), Hint: hintPython})
	}
	dir, err := writeScripts()
	if err != nil {
		return app.Exit(app.Failure, fmt.Errorf("torch backend: %w", err))
	}
	defer os.RemoveAll(dir)

	cmd := exec.CommandContext(ctx, exe, append([]string{"-u", "-B", filepath.Join(dir, "worker.py")}, args...)...)
	cmd.Env = append(os.Environ(), "PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1")
	if os.Getenv("OMP_WAIT_POLICY") == "" {
		// torch's OpenMP threads spin while waiting by default; on a busy
		// machine that made CPU training 15x slower (docs/gpu.md).
		cmd.Env = append(cmd.Env, "OMP_WAIT_POLICY=PASSIVE")
	}
	cmd.Dir = dir
	setProcessGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	tail := newTailWriter(20, stderrCopy)
	cmd.Stderr = tail
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return app.Exit(app.Failure, err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return app.Exit(app.Failure, err)
	}
	if err := cmd.Start(); err != nil {
		return app.Exit(app.Failure, &MissingError{What: "python", Python: python, Detail: err.Error(), Hint: hintPython})
	}

	var failure error // the first explained failure (worker's or ours)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<16), 256<<20)
	helloSeen := false
	for sc.Scan() {
		m, perr := ParseMessage(sc.Bytes())
		if perr != nil {
			tail.Write(append(append([]byte("stdout: "), sc.Bytes()...), '\n'))
			continue
		}
		switch {
		case m.Hello != nil:
			if helloSeen || failure != nil {
				continue
			}
			helloSeen = true
			if m.Hello.Protocol != ProtocolVersion {
				failure = app.Exit(app.Failure, &WorkerError{Kind: "failure",
					Message: fmt.Sprintf("worker speaks protocol %d, want %d", m.Hello.Protocol, ProtocolVersion)})
				killGroup(cmd)
				continue
			}
			line, herr := onHello(*m.Hello)
			if herr != nil {
				failure = herr
				killGroup(cmd)
				continue
			}
			if line != nil {
				go sendLine(stdin, line)
			}
		case m.Err != nil:
			if failure == nil {
				werr := m.Err.asError(python, device)
				code := app.Failure
				if m.Err.Kind == "usage" {
					code = app.Usage
				}
				failure = app.Exit(code, werr)
			}
		default:
			if failure == nil {
				onMessage(m)
			}
		}
	}
	waitErr := cmd.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if failure != nil {
		return failure
	}
	if waitErr != nil {
		return app.Exit(app.Failure, &CrashError{Status: waitErr.Error(), Stderr: tail.Lines()})
	}
	if !helloSeen {
		return app.Exit(app.Failure, &CrashError{Status: "exited without a hello", Stderr: tail.Lines()})
	}
	return nil
}

// sendLine writes the job as one JSON line; a worker that died first makes
// the write fail, which the exit status reports better than we could here.
func sendLine(w io.Writer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	w.Write(append(b, '\n'))
}

// stagingDir makes an empty directory beside out for the worker to fill.
func stagingDir(out string) (string, error) {
	parent := filepath.Dir(filepath.Clean(out))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("torch backend: adapter output: %w", err)
	}
	return os.MkdirTemp(parent, "."+filepath.Base(filepath.Clean(out))+".tmp-")
}

// replaceDir renames staging over out; an existing out is moved aside first
// and removed only once the new one is in place.
func replaceDir(staging, out string) error {
	old := ""
	if _, err := os.Stat(out); err == nil {
		old = staging + ".old"
		if err := os.Rename(out, old); err != nil {
			return err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.Rename(staging, out); err != nil {
		if old != "" {
			os.Rename(old, out)
		}
		return err
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}

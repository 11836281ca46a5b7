package torchworker

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flock-off/ff/lib/app"
)

// fakeJob is a valid job run by the fake worker in mode.
func fakeJob(t *testing.T, mode string, env ...string) Job {
	t.Helper()
	t.Setenv(fakeEnv, mode)
	for i := 0; i+1 < len(env); i += 2 {
		t.Setenv(env[i], env[i+1])
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeTinyModel(t, dir, tinyShape{Arch: "qwen2", Hidden: 8, Inter: 8, Layers: 1, Heads: 2, KVHeads: 1, Vocab: 50}, 1)
	return Job{ModelDir: dir, Train: tinySequences(3, 50, 1), Eval: tinySequences(3, 50, 2),
		Recipe: DefaultRecipe(), Python: exe}
}

func TestRunResultAndProgress(t *testing.T) {
	for _, mode := range []string{"ok", "stray"} {
		t.Run(mode, func(t *testing.T) {
			job := fakeJob(t, mode)
			var steps []int
			res, err := Run(context.Background(), job, func(p Progress) { steps = append(steps, p.Step) })
			if err != nil {
				t.Fatal(err)
			}
			if res.EvalLoss != 1.25 || res.Steps != 3 || res.TrainTokens != 600 || res.TrainLoss == nil || *res.TrainLoss != 2.3 {
				t.Errorf("result %+v", res)
			}
			if len(res.EvalLosses) != 3 || res.EvalLosses[1] != 0 {
				t.Errorf("eval losses %v (a null must decode as 0)", res.EvalLosses)
			}
			if len(res.Unlabeled) != 0 {
				t.Errorf("unlabeled %v, want none", res.Unlabeled)
			}
			if got := res.TokensPerSecond(); got != 300 {
				t.Errorf("tokens/s %v, want 300", got)
			}
			if fmtInts(steps) != "[1,2,3]" {
				t.Errorf("progress steps %v", steps)
			}
			// no CUDA in the hello: the defaults resolve to the CPU in fp32
			if res.Device != "cpu" || res.Dtype != "fp32" {
				t.Errorf("device %q dtype %q, want cpu fp32", res.Device, res.Dtype)
			}
		})
	}
}

func TestRunReportsUnlabeledRows(t *testing.T) {
	job := fakeJob(t, "ok")
	for i := range job.Eval[1].Labels {
		job.Eval[1].Labels[i] = Ignore
	}
	job.Eval[2].Labels[0] = 5 // the first label predicts nothing: still unlabeled
	for i := 1; i < len(job.Eval[2].Labels); i++ {
		job.Eval[2].Labels[i] = Ignore
	}
	res, err := Run(context.Background(), job, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fmtInts(res.Unlabeled) != "[1,2]" {
		t.Errorf("unlabeled %v, want [1,2]", res.Unlabeled)
	}
}

func fmtInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return "[" + strings.Join(s, ",") + "]"
}

func TestRunSendsTheJob(t *testing.T) {
	jobFile := filepath.Join(t.TempDir(), "job.json")
	job := fakeJob(t, "ok", "FF_FAKE_JOBFILE", jobFile, "FF_FAKE_CUDA", "1")
	job.Order = [][]int{{2, 0, 1}, {1, 2, 0}}
	job.Recipe.LoraDropout = 0
	if _, err := Run(context.Background(), job, nil); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(jobFile)
	if err != nil {
		t.Fatal(err)
	}
	var got wireJob
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Protocol != ProtocolVersion || got.ModelDir != job.ModelDir || len(got.Train) != 3 || len(got.Eval) != 3 {
		t.Errorf("job %+v", got)
	}
	if fmtInts(got.Order[0]) != "[2,0,1]" || fmtInts(got.Order[1]) != "[1,2,0]" {
		t.Errorf("order %v", got.Order)
	}
	if !reflect.DeepEqual(got.Recipe, job.Recipe) {
		t.Errorf("recipe %+v", got.Recipe)
	}
	for i, s := range got.Train {
		if fmtInt32(s.IDs) != fmtInt32(job.Train[i].IDs) || fmtInt32(s.Labels) != fmtInt32(job.Train[i].Labels) {
			t.Errorf("train row %d differs", i)
		}
	}
	// a fresh adapter drawn in Go (as the CPU backend draws it) was handed over
	if got.AdapterIn == "" {
		t.Error("no initial adapter sent")
	} else if _, err := os.Stat(got.AdapterIn); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("initial adapter %s not removed after the run", got.AdapterIn)
	}
	if b, _ := os.ReadFile(jobFile + ".adapter"); !strings.Contains(string(b), `"r": 16`) {
		t.Errorf("initial adapter config: %s", b)
	}
	// a usable GPU in the hello: the defaults resolve to cuda:0 in bf16
	if got.Device != "cuda:0" || got.Dtype != "bf16" {
		t.Errorf("device %q dtype %q, want cuda:0 bf16", got.Device, got.Dtype)
	}
}

func fmtInt32(v []int32) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestRunAdapterOnlyOnSuccess(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "adapters", "a1")
	job := fakeJob(t, "ok")
	job.AdapterOut = out
	res, err := Run(context.Background(), job, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.AdapterOut != out {
		t.Errorf("AdapterOut %q", res.AdapterOut)
	}
	for _, f := range []string{"adapter_config.json", "adapter_model.safetensors"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	// a second success replaces the first; a failure leaves it alone
	if _, err := Run(context.Background(), job, nil); err != nil {
		t.Fatal(err)
	}
	t.Setenv(fakeEnv, "crash")
	if _, err := Run(context.Background(), job, nil); err == nil {
		t.Fatal("crash: no error")
	}
	ents, _ := os.ReadDir(filepath.Dir(out))
	if len(ents) != 1 || ents[0].Name() != "a1" {
		t.Errorf("left behind in %s: %v (want only a1)", filepath.Dir(out), names(ents))
	}
	// a failed first run creates no adapter directory at all
	job.AdapterOut = filepath.Join(dir, "adapters", "a2")
	if _, err := Run(context.Background(), job, nil); err == nil {
		t.Fatal("crash: no error")
	}
	if _, err := os.Stat(job.AdapterOut); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a2 exists after a crash: %v", err)
	}
}

func names(ents []os.DirEntry) []string {
	var s []string
	for _, e := range ents {
		s = append(s, e.Name())
	}
	return s
}

func TestRunFailures(t *testing.T) {
	cases := []struct {
		mode, env string
		job       func(*Job)
		code      int
		want      []string // substrings of the message
		check     func(error) bool
	}{
		{mode: "crash", code: app.Failure, want: []string{"exit status 1", "RuntimeError: boom", "Traceback"},
			check: func(err error) bool { var e *CrashError; return errors.As(err, &e) }},
		{mode: "garbage", code: app.Failure, want: []string{"SyntaxError", "stdout: Traceback"}},
		{mode: "silent", code: app.Failure, want: []string{"without a hello"}},
		{mode: "resultthencrash", code: app.Failure, want: []string{"exit status 1"}},
		{mode: "oom", code: app.Failure, want: []string{"out of memory on cpu", "train, row 17", "length 2048 tokens", "--max-seq-len"},
			check: func(err error) bool { var e *OOMError; return errors.As(err, &e) && e.Row == 17 && e.Length == 2048 }},
		{mode: "notorch", code: app.Failure, want: []string{"cannot import torch", "No module named", "pip install torch", "python3-torch"},
			check: func(err error) bool { var e *MissingError; return errors.As(err, &e) && e.What == "torch" }},
		{mode: "explained", code: app.Failure, want: []string{"GPT2LMHeadModel"}},
		{mode: "ok", env: "FF_FAKE_PROTOCOL=9", code: app.Failure, want: []string{"protocol 9"}},
		{mode: "ok", job: func(j *Job) { j.Quant = "nf4"; j.Device = "cuda:0" }, env: "FF_FAKE_CUDA=1", code: app.Failure,
			want:  []string{"cannot import transformers, peft, bitsandbytes", "--quant nf4", "pip install"},
			check: func(err error) bool { var e *MissingError; return errors.As(err, &e) }},
		{mode: "ok", job: func(j *Job) { j.Optim = "paged_adamw_8bit"; j.Device = "cuda:0" }, env: "FF_FAKE_CUDA=1", code: app.Failure,
			want: []string{"bitsandbytes", "--optim paged_adamw_8bit"}},
		{mode: "ok", job: func(j *Job) { j.Quant = "nf4" }, env: "FF_FAKE_HF=1", code: app.Usage, want: []string{"need a CUDA device"}},
		{mode: "ok", job: func(j *Job) { j.Device = "cuda:0" }, code: app.Failure, want: []string{"sees no CUDA device", "CPU-only build"}},
		{mode: "ok", job: func(j *Job) { j.Device = "tpu" }, code: app.Usage, want: []string{`--device "tpu"`}},
		{mode: "ok", job: func(j *Job) { j.Dtype = "fp8" }, code: app.Usage, want: []string{"--dtype"}},
		{mode: "ok", job: func(j *Job) { j.Eval = nil }, code: app.Usage, want: []string{"no evaluation rows"}},
		{mode: "ok", job: func(j *Job) { j.Order = [][]int{{0, 5}} }, code: app.Usage, want: []string{"names row 5"}},
		{mode: "ok", job: func(j *Job) { j.Train[1].Labels = j.Train[1].Labels[:2] }, code: app.Usage, want: []string{"labels"}},
		{mode: "ok", job: func(j *Job) { j.Python = filepath.Join(t.TempDir(), "no-python") }, code: app.Failure,
			want:  []string{"cannot run", "no-python", "python3-torch", "--python"},
			check: func(err error) bool { var e *MissingError; return errors.As(err, &e) && e.What == "python" }},
	}
	for _, c := range cases {
		name := c.mode
		if c.env != "" {
			name += "/" + c.env
		}
		t.Run(name+"/"+strings.Join(c.want[:1], ""), func(t *testing.T) {
			var env []string
			if c.env != "" {
				env = strings.SplitN(c.env, "=", 2)
			}
			job := fakeJob(t, c.mode, env...)
			if c.job != nil {
				c.job(&job)
			}
			_, err := Run(context.Background(), job, nil)
			if err == nil {
				t.Fatal("no error")
			}
			if got := app.CodeOf(err); got != c.code {
				t.Errorf("exit code %d, want %d (%v)", got, c.code, err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message lacks %q:\n%v", w, err)
				}
			}
			if c.check != nil && !c.check(err) {
				t.Errorf("wrong error type %T: %v", errors.Unwrap(err), err)
			}
		})
	}
}

func TestProbe(t *testing.T) {
	job := fakeJob(t, "ok", "FF_FAKE_CUDA", "1")
	caps, err := Probe(context.Background(), job.Python)
	if err != nil {
		t.Fatal(err)
	}
	if !caps.UsableCUDA() || caps.CUDA[0].Name != "NVIDIA Fake 4090" || caps.Torch != "2.4.0" || caps.HasHF() {
		t.Errorf("caps %+v", caps)
	}
	t.Setenv("FF_FAKE_CUDA", "0")
	caps, err = Probe(context.Background(), job.Python)
	if err != nil || caps.UsableCUDA() || caps.CUDAError == "" {
		t.Errorf("caps %+v err %v", caps, err)
	}
	t.Setenv(fakeEnv, "notorch")
	if _, err := Probe(context.Background(), job.Python); err == nil || !strings.Contains(err.Error(), "torch") {
		t.Errorf("probe without torch: %v", err)
	}
}

// TestCancelKillsTheGroup: cancelling the context kills the worker and the
// process it started, returns context.Canceled, and leaves no adapter.
func TestCancelKillsTheGroup(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pids")
	job := fakeJob(t, "hang", "FF_FAKE_PIDFILE", pidFile)
	job.AdapterOut = filepath.Join(dir, "out")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := Run(ctx, job, func(Progress) { cancel() })
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if !errors.Is(err, context.Canceled) || app.CodeOf(err) != app.Interrupted {
		t.Fatalf("err %v (code %d), want context.Canceled / 130", err, app.CodeOf(err))
	}
	b, rerr := os.ReadFile(pidFile)
	if rerr != nil {
		t.Fatal(rerr)
	}
	for _, f := range strings.Fields(string(b)) {
		pid, _ := strconv.Atoi(f)
		if alive(pid) {
			t.Errorf("process %d survived the cancel", pid)
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 { // only the pid file
		t.Errorf("left behind: %v", names(ents))
	}
}

// alive reports whether pid still runs (zombies count as dead), polling a
// while since a killed child is reaped asynchronously by its parent.
func alive(pid int) bool {
	for i := 0; i < 100; i++ {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			if syscall.Kill(pid, 0) != nil {
				return false
			}
		} else if f := strings.Fields(string(b)); len(f) > 2 && (f[2] == "Z" || f[2] == "X") {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

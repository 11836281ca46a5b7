package score

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/record"
	"github.com/urfave/cli/v2"
)

// deps are the parts of ff-score that come from other packages; tests swap
// them for small fakes.
type deps struct {
	// encoder loads the model's tokenizer and chat template and returns an
	// Encoder and the tokenizer's vocabulary size (highest id + 1).
	encoder func(modelDir, template string) (Encoder, int, error)
	backend func(c *cli.Context, name string) (Backend, error)
	tokens  func() *cli.Command
}

func run(c *cli.Context, d deps) error {
	env := app.EnvOf(c)
	log := app.NewLog(c)
	if c.NArg() > 1 {
		return app.Usagef("one DATASET at most (got %d)", c.NArg())
	}
	// Checked here rather than marked Required: urfave/cli would demand them
	// of the tokens subcommand too.
	for _, f := range []string{"model", "eval"} {
		if c.String(f) == "" {
			return app.Usagef("--%s is required (ff-score --model DIR --eval EVAL [DATASET])", f)
		}
	}
	cfg, err := configFrom(c)
	if isIOError(err) {
		return err
	} else if err != nil {
		return app.Usagef("%v", err)
	}
	evalOnly, perRow := c.Bool("eval-only"), c.Bool("per-row")
	if !perRow { // the result is one JSON line; only --per-row writes rows (JSONL or Parquet)
		if err := app.JSONLOnly(c); err != nil {
			return err
		}
	}
	if evalOnly && perRow {
		return app.Usagef("--eval-only and --per-row exclude each other")
	}
	if (evalOnly || perRow) && c.String("adapter-out") != "" {
		return app.Usagef("--adapter-out needs training (not --eval-only or --per-row)")
	}
	if evalOnly && c.NArg() > 0 {
		return app.Usagef("--eval-only takes no DATASET")
	}
	modelDir := c.String("model")
	// A directory that is not there at all is an I/O error (3) naming it,
	// like a missing --eval; an incomplete one is a usage error (2).
	for _, f := range []string{"model", "adapter-in"} {
		if d := c.String(f); d != "" {
			if _, err := os.Stat(d); err != nil {
				return app.Failf("--%s: %v", f, err)
			}
		}
	}
	info, err := checkModelDir(modelDir)
	if err != nil {
		return app.Usagef("%v", err)
	}
	if ad := c.String("adapter-in"); ad != "" {
		if err := checkAdapterDir(ad); err != nil {
			return app.Usagef("%v", err)
		}
		r, alpha, err := adapterShape(ad)
		if err != nil {
			return app.Usagef("--adapter-in: %v", err)
		}
		if (c.IsSet("lora-r") && cfg.LoraR != r) || (c.IsSet("lora-alpha") && cfg.LoraAlpha != alpha) {
			return app.Usagef("--adapter-in %s has r=%d, lora_alpha=%g: drop --lora-r/--lora-alpha or match them", ad, r, alpha)
		}
		cfg.LoraR, cfg.LoraAlpha = r, alpha
	}
	enc, tokVocab, err := d.encoder(modelDir, cfg.Template)
	if err != nil {
		return app.Usagef("%s: %v", modelDir, err)
	}
	if n, ok := enc.(interface{ TemplateName() string }); ok {
		cfg.Template = n.TemplateName() // echo the template actually used
	}
	if tokVocab > info.VocabSize {
		return app.Usagef("%s: the tokenizer has %d tokens but the model's vocab_size is %d: tokenizer.json does not belong to this model",
			modelDir, tokVocab, info.VocabSize)
	}
	backend, err := d.backend(c, c.String("backend"))
	if err != nil {
		return err
	}
	start := time.Now()

	rej, err := newRejects(c.String(app.FlagRejects), env.Stdout, log)
	if err != nil {
		return err
	}
	defer rej.abort()

	evalPath := c.String("eval")
	dataFromStdin := !evalOnly && (c.NArg() == 0 || c.Args().First() == "-")
	if evalPath == "-" && dataFromStdin {
		return app.Usagef("--eval - and the dataset cannot both come from stdin: name the dataset's file")
	}
	eval, err := loadSet(c.Context, evalPath, env.Stdin, enc, 0, cfg.MaxSeqLen, rej.add)
	if err != nil {
		return app.Failf("--eval: %v", err)
	}
	if len(eval.Examples) == 0 {
		return app.Dataf("%s: no row of the evaluation set has assistant tokens to score (%d rows read)", eval.Name, eval.Read)
	}
	job := &Job{ModelDir: modelDir, Config: cfg, Eval: eval.Examples, EvalOnly: evalOnly || perRow,
		AdapterIn: c.String("adapter-in"), AdapterOut: c.String("adapter-out"), Threads: app.Threads(c)}

	if perRow {
		return runPerRow(c, backend, job, enc, rej, log)
	}
	var ds *dataset
	if !evalOnly {
		ds, err = loadSet(c.Context, c.Args().First(), env.Stdin, enc, cfg.MaxRows, cfg.MaxSeqLen, rej.add)
		if err != nil {
			return app.Failf("%v", err)
		}
		if len(ds.Examples) == 0 {
			return app.Dataf("%s: all %d rows were rejected; nothing to train on", ds.Name, ds.Read)
		}
		job.Train = ds.Examples
	}
	bar := newStepBar(log, env.Stderr)
	job.Progress = bar.step
	job.EvalProgress = bar.evalRow
	out, err := backend.Score(c.Context, job)
	bar.finish()
	if err != nil {
		return err
	}
	modelSum, err := info.SHA256()
	if err != nil {
		return app.Failf("%v", err)
	}
	res := Result{
		EvalLoss: out.EvalLoss, BaseEvalLoss: out.BaseEvalLoss, TrainLoss: out.TrainLoss,
		EvalTokens: eval.Tokens, Seconds: round3(time.Since(start).Seconds()),
		Model: modelDir, ModelSHA256: modelSum, EvalSHA256: eval.SHA256,
		Config: cfg, Backend: backend.Name(), Version: app.Version(),
		Device: out.Device, MemoryBytes: out.MemoryBytes,
	}
	if ds != nil {
		res.Rows, res.TrainTokens = len(ds.Examples), ds.Tokens
		res.DatasetSHA256 = &ds.SHA256
		if out.TrainSeconds > 0 {
			res.TokensPerSecond = math.Round(float64(out.TrainTokens) / out.TrainSeconds)
		}
	}
	if err := writeResult(c, res); err != nil {
		return err
	}
	if err := rej.commit(); err != nil {
		return err
	}
	summary(log, res, eval, ds)
	return rej.status()
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

func writeResult(c *cli.Context, res Result) error {
	out, err := app.CreateOutput(c.String(app.FlagOutput), app.EnvOf(c).Stdout)
	if err != nil {
		return err
	}
	defer out.Abort()
	b, err := json.Marshal(res)
	if err != nil {
		return app.Failf("result: %v", err)
	}
	out.Write(append(b, '\n'))
	return out.Commit()
}

func summary(log *app.Log, res Result, eval, ds *dataset) {
	if ds == nil {
		log.Summary(fmt.Sprintf("eval_loss %.6f on %d eval rows (%d tokens)", res.EvalLoss, len(eval.Examples), eval.Tokens),
			app.KV{Key: "eval_loss", Value: res.EvalLoss}, app.KV{Key: "eval_rows", Value: len(eval.Examples)})
		return
	}
	log.Summary(fmt.Sprintf("trained on %d rows (%d rejected), eval_loss %.6f (base %.6f) in %.1fs, %.0f tokens/s",
		len(ds.Examples), ds.Rejected, res.EvalLoss, res.BaseEvalLoss, res.Seconds, res.TokensPerSecond),
		app.KV{Key: "rows", Value: len(ds.Examples)}, app.KV{Key: "rejected", Value: ds.Rejected},
		app.KV{Key: "eval_loss", Value: res.EvalLoss}, app.KV{Key: "base_eval_loss", Value: res.BaseEvalLoss})
}

// runPerRow writes every usable dataset row with its loss added as "_loss".
func runPerRow(c *cli.Context, backend Backend, job *Job, enc Encoder, rej *rejects, log *app.Log) error {
	env := app.EnvOf(c)
	maxRows := 0
	if c.IsSet("max-rows") {
		maxRows = job.Config.MaxRows
	}
	ds, err := loadSet(c.Context, c.Args().First(), env.Stdin, enc, maxRows, job.Config.MaxSeqLen, rej.add)
	if err != nil {
		return app.Failf("%v", err)
	}
	bar := newStepBar(log, env.Stderr)
	job.EvalProgress = bar.evalRow
	losses, err := backend.Losses(c.Context, job, ds.Examples)
	bar.finish()
	if err != nil {
		return err
	}
	format, err := record.FormatFor(c.String(app.FlagOutput), c.String(app.FlagOutputFormat))
	if err != nil {
		return app.Usagef("%v", err)
	}
	out, err := app.CreateOutput(c.String(app.FlagOutput), env.Stdout)
	if err != nil {
		return err
	}
	defer out.Abort()
	w, err := record.NewWriter(out, format)
	if err != nil {
		return app.Failf("%v", err)
	}
	for i, rec := range ds.Rows {
		r := rec.Clone()
		if err := r.SetValue("_loss", losses[i]); err != nil {
			return app.Failf("%s: %v", rec.Source, err)
		}
		if err := w.Write(r); err != nil {
			return app.Failf("write: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		return app.Failf("write: %v", err)
	}
	if err := out.Commit(); err != nil {
		return err
	}
	if err := rej.commit(); err != nil {
		return err
	}
	log.Summary(fmt.Sprintf("scored %d rows (%d rejected)", len(ds.Rows), ds.Rejected),
		app.KV{Key: "rows", Value: len(ds.Rows)}, app.KV{Key: "rejected", Value: ds.Rejected})
	return rej.status()
}

// publicModes makes dir 0755 and the regular files directly in it 0644.
func publicModes(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			if err := os.Chmod(filepath.Join(dir, e.Name()), 0o644); err != nil {
				return err
			}
		}
	}
	return os.Chmod(dir, 0o755)
}

// saveDirAtomic writes a directory through save into a temporary directory
// beside dir and renames it into place, replacing an older dir only after
// the new one is complete. An error or interruption leaves dir as it was.
func saveDirAtomic(dir string, save func(tmp string) error) error {
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return app.Failf("adapter: %v", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-*")
	if err != nil {
		return app.Failf("adapter: %v", err)
	}
	if err := save(tmp); err != nil {
		os.RemoveAll(tmp)
		return app.Failf("adapter: %v", err)
	}
	// MkdirTemp and the temporary files behind atomic writes are private
	// (0700/0600); an adapter is an ordinary directory others read (an
	// upload step, a container user), as peft's save_pretrained leaves it.
	if err := publicModes(tmp); err != nil {
		os.RemoveAll(tmp)
		return app.Failf("adapter: %v", err)
	}
	var old string
	if _, err := os.Stat(dir); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			os.RemoveAll(tmp)
			return app.Failf("adapter: %v", err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			os.Rename(old, dir)
		}
		os.RemoveAll(tmp)
		return app.Failf("adapter: %v", err)
	}
	if old != "" {
		os.RemoveAll(old)
	}
	return nil
}

package score

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/flock-off/ff/lib/app"
	"os"

	"github.com/flock-off/ff/lib/train"
	"github.com/urfave/cli/v2"
)

// Config is everything that decides a score: the LoRA shape, the training
// recipe and the data limits. Every field is a flag (its JSON name with
// '-' for '_') and a field of --config FILE; the effective value is echoed in
// the result so that a score can be reproduced.
type Config struct {
	LoraR       int     `json:"lora_r"`
	LoraAlpha   float64 `json:"lora_alpha"`
	LoraDropout float64 `json:"lora_dropout"`
	LoraTargets string  `json:"lora_targets"`
	train.Recipe
	MaxSeqLen int    `json:"max_seq_len"`
	MaxRows   int    `json:"max_rows"`
	Template  string `json:"template"`
}

// DefaultConfig is the reference validator's recipe (FLock-subnet
// training_args.yaml and trainer.py): LoRA r 16, alpha 32, dropout 0.1 on all
// linear layers, context 2048, the first 100 rows.
func DefaultConfig() Config {
	return Config{LoraR: 16, LoraAlpha: 32, LoraDropout: 0.1, LoraTargets: "all-linear",
		Recipe: train.Default(), MaxSeqLen: 2048, MaxRows: 100}
}

// Validate reports the first value that makes no sense.
func (c Config) Validate() error {
	switch {
	case c.LoraR < 1:
		return fmt.Errorf("lora_r must be at least 1 (got %d)", c.LoraR)
	case !(c.LoraAlpha > 0):
		return fmt.Errorf("lora_alpha must be > 0 (got %g)", c.LoraAlpha)
	case !(c.LoraDropout >= 0 && c.LoraDropout < 1):
		return fmt.Errorf("lora_dropout must be in [0,1) (got %g)", c.LoraDropout)
	case c.LoraTargets != "all-linear":
		return fmt.Errorf("lora_targets: only all-linear is supported (got %q)", c.LoraTargets)
	case c.MaxSeqLen < 2:
		return fmt.Errorf("max_seq_len must be at least 2 (got %d)", c.MaxSeqLen)
	case c.MaxRows < 0:
		return fmt.Errorf("max_rows must be >= 0 (0 = all rows; got %d)", c.MaxRows)
	}
	return c.Recipe.Validate()
}

// readConfigFile overlays a JSON config file on c. Unknown fields are
// errors: a misspelt key must not silently leave a default in place.
//
// A result line of ff-score is accepted too: its "config" is the recipe,
// so `--config score.json` reproduces a run without cutting it out first.
func readConfigFile(path string, c *Config) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return app.Failf("%v", err) // a missing file is I/O (3), not usage
	}
	var result struct {
		Config json.RawMessage `json:"config"`
	}
	if json.Unmarshal(b, &result) == nil && len(result.Config) > 0 && result.Config[0] == '{' {
		b = result.Config
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

// isIOError reports whether err was marked as an I/O failure (exit 3).
func isIOError(err error) bool {
	var ee *app.ExitError
	return errors.As(err, &ee) && ee.Code == app.Failure
}

// configFlags are the flags of every Config field. Their defaults are shown
// in --help; whether a value came from the command line is decided by IsSet,
// so the order is defaults < --config FILE < flags.
func configFlags() []cli.Flag {
	d := DefaultConfig()
	return []cli.Flag{
		&cli.StringFlag{Name: "config", Usage: "read the recipe from a JSON `FILE` (fields as in the result's config; flags override it)"},
		&cli.IntFlag{Name: "lora-r", Value: d.LoraR, Usage: "LoRA rank"},
		&cli.Float64Flag{Name: "lora-alpha", Value: d.LoraAlpha, Usage: "LoRA alpha (scale alpha/r)"},
		&cli.Float64Flag{Name: "lora-dropout", Value: d.LoraDropout, Usage: "dropout on the LoRA input"},
		&cli.StringFlag{Name: "lora-targets", Value: d.LoraTargets, Usage: "modules that get adapters (all-linear: q,k,v,o,gate,up,down)"},
		&cli.IntFlag{Name: "epochs", Value: d.Epochs, Usage: "training epochs"},
		&cli.IntFlag{Name: "batch-size", Value: d.BatchSize, Usage: "rows per micro-batch"},
		&cli.IntFlag{Name: "grad-accum", Value: d.GradAccum, Usage: "micro-batches per optimizer step"},
		&cli.Float64Flag{Name: "lr", Value: d.LR, Usage: "peak learning rate"},
		&cli.IntFlag{Name: "warmup-steps", Value: d.WarmupSteps, Usage: "linear warm-up steps"},
		&cli.StringFlag{Name: "lr-scheduler", Value: d.LRScheduler, Usage: "linear or constant (both after the warm-up)"},
		&cli.Float64Flag{Name: "beta1", Value: d.Beta1, Usage: "AdamW beta1"},
		&cli.Float64Flag{Name: "beta2", Value: d.Beta2, Usage: "AdamW beta2"},
		&cli.Float64Flag{Name: "eps", Value: d.Eps, Usage: "AdamW epsilon"},
		&cli.Float64Flag{Name: "weight-decay", Value: d.WeightDecay, Usage: "AdamW decoupled weight decay"},
		&cli.Float64Flag{Name: "max-grad-norm", Value: d.MaxGradNorm, Usage: "clip the accumulated gradient's norm (0: no clipping)"},
		&cli.Int64Flag{Name: "seed", Value: d.Seed, Usage: "seed of the shuffle, the adapter's initialization and dropout"},
		&cli.BoolFlag{Name: "no-shuffle", Usage: "train in input order"},
		&cli.IntFlag{Name: "max-seq-len", Value: d.MaxSeqLen, Usage: "context: tokens per row after truncation"},
		&cli.IntFlag{Name: "max-rows", Value: d.MaxRows, Usage: "use only the first N rows of the dataset (0: all)"},
		&cli.StringFlag{Name: "template", Usage: "chat template (default: from the model's config)"},
	}
}

// configFrom builds the effective Config: defaults, then --config FILE, then
// the flags given on the command line.
func configFrom(c *cli.Context) (Config, error) {
	cfg := DefaultConfig()
	if p := c.String("config"); p != "" {
		if err := readConfigFile(p, &cfg); err != nil {
			if isIOError(err) {
				return cfg, app.Failf("--config: %v", err)
			}
			return cfg, fmt.Errorf("--config: %v", err)
		}
	}
	setInt := func(name string, dst *int) {
		if c.IsSet(name) {
			*dst = c.Int(name)
		}
	}
	setFloat := func(name string, dst *float64) {
		if c.IsSet(name) {
			*dst = c.Float64(name)
		}
	}
	setString := func(name string, dst *string) {
		if c.IsSet(name) {
			*dst = c.String(name)
		}
	}
	setInt("lora-r", &cfg.LoraR)
	setFloat("lora-alpha", &cfg.LoraAlpha)
	setFloat("lora-dropout", &cfg.LoraDropout)
	setString("lora-targets", &cfg.LoraTargets)
	setInt("epochs", &cfg.Epochs)
	setInt("batch-size", &cfg.BatchSize)
	setInt("grad-accum", &cfg.GradAccum)
	setFloat("lr", &cfg.LR)
	setInt("warmup-steps", &cfg.WarmupSteps)
	setString("lr-scheduler", &cfg.LRScheduler)
	setFloat("beta1", &cfg.Beta1)
	setFloat("beta2", &cfg.Beta2)
	setFloat("eps", &cfg.Eps)
	setFloat("weight-decay", &cfg.WeightDecay)
	setFloat("max-grad-norm", &cfg.MaxGradNorm)
	if c.IsSet("seed") {
		cfg.Seed = c.Int64("seed")
	}
	if c.Bool("no-shuffle") {
		cfg.Shuffle = false
	}
	setInt("max-seq-len", &cfg.MaxSeqLen)
	setInt("max-rows", &cfg.MaxRows)
	setString("template", &cfg.Template)
	return cfg, cfg.Validate()
}

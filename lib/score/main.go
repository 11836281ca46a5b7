// Package score is the ff-score command: LoRA-train a model on a dataset with
// the FLock reference validator's recipe and report the evaluation loss.
package score

import (
	"io"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/hub"
	"github.com/urfave/cli/v2"
)

// Main runs ff-score with args (without the program name) and returns its exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	hub.RegisterInputs(hub.Options{Stderr: stderr}) // DATASET and --eval may be hf:// files
	return app.Run(newApp(defaultDeps()), args, stdin, stdout, stderr)
}

func newApp(d deps) *cli.App {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "model", Usage: "model `DIR` (config.json, model.safetensors, tokenizer.json); required"},
		&cli.StringFlag{Name: "eval", Usage: "evaluation set `FILE` (canonical SFT rows); required"},
		&cli.BoolFlag{Name: "eval-only", Usage: "report the evaluation loss of the base model (or --adapter-in) without training"},
		&cli.StringFlag{Name: "adapter-in", Usage: "start from (or, with --eval-only, evaluate) the peft adapter in `DIR`"},
		&cli.StringFlag{Name: "adapter-out", Usage: "save the trained adapter in peft format to `DIR` (only on success)"},
		&cli.BoolFlag{Name: "per-row", Usage: "print each dataset row with its loss under the base model (or --adapter-in) as \"_loss\"; no training"},
		&cli.StringFlag{Name: "backend", Value: "cpu", Usage: "cpu (Go), torch (a PyTorch worker) or auto (torch when it sees a CUDA device)"},
	}
	flags = append(flags, configFlags()...)
	flags = append(flags, torchFlags()...)
	flags = append(flags, app.OutputFlags()...)
	flags = append(flags, app.RejectsFlag())
	flags = append(flags, app.CommonFlags()...)
	a := &cli.App{
		Name:      "ff-score",
		Usage:     "LoRA-train a model on a dataset and report the evaluation loss, as a FLock validator does",
		UsageText: "ff-score --model DIR --eval EVAL [flags] [DATASET]\n   ff-score tokens --model DIR [DATASET]",
		Description: "Trains a LoRA adapter on DATASET (stdin when absent; JSONL or Parquet canonical SFT rows)\n" +
			"with the reference validator's recipe and prints one JSON line: eval_loss, base_eval_loss,\n" +
			"train_loss, rows, tokens, timing, hashes of the model and data, and the effective config.\n" +
			"Every recipe value is a flag and a field of --config FILE.",
		Flags:  flags,
		Action: func(c *cli.Context) error { return run(c, d) },
	}
	if d.tokens != nil {
		a.Commands = []*cli.Command{d.tokens()}
	}
	return a
}

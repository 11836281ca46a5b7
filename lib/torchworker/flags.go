package torchworker

import "github.com/urfave/cli/v2"

// Names of the torch backend's flags (ff-score mounts Flags()).
const (
	FlagDevice = "device"
	FlagDtype  = "dtype"
	FlagQuant  = "quant"
	FlagOptim  = "optim"
	FlagPython = "python"
	FlagImpl   = "torch-impl"
)

// Flags are the torch backend's command-line flags, for ff-score to mount
// next to --backend.
func Flags() []cli.Flag {
	const cat = "torch backend"
	return []cli.Flag{
		&cli.StringFlag{Name: FlagDevice, Category: cat, Usage: "torch device: cuda:N or cpu (default: cuda:0 when usable, else cpu)"},
		&cli.StringFlag{Name: FlagDtype, Category: cat, Usage: "torch dtype of the base weights: bf16 or fp32 (default: bf16 on CUDA, fp32 on CPU)"},
		&cli.StringFlag{Name: FlagQuant, Category: cat, Usage: "quantize the base model: nf4 (4-bit QLoRA; needs transformers, peft, bitsandbytes)"},
		&cli.StringFlag{Name: FlagOptim, Category: cat, Value: "adamw", Usage: "optimizer: adamw or paged_adamw_8bit (needs bitsandbytes)"},
		&cli.StringFlag{Name: FlagPython, Category: cat, Value: "python3", Usage: "Python interpreter with torch, for the worker", EnvVars: []string{"FF_PYTHON"}},
		&cli.StringFlag{Name: FlagImpl, Category: cat, Value: "auto", Usage: "model code: auto (transformers+peft when importable), plain (the worker's own PyTorch model) or transformers"},
	}
}

// Options are the values of Flags.
type Options struct {
	Device, Dtype, Quant, Optim, Python, Impl string
}

// OptionsFrom reads Flags from a command's context.
func OptionsFrom(c *cli.Context) Options {
	return Options{Device: c.String(FlagDevice), Dtype: c.String(FlagDtype), Quant: c.String(FlagQuant),
		Optim: c.String(FlagOptim), Python: c.String(FlagPython), Impl: c.String(FlagImpl)}
}

// Apply copies the options into a job.
func (o Options) Apply(j *Job) {
	j.Device, j.Dtype, j.Quant, j.Optim, j.Python, j.Impl = o.Device, o.Dtype, o.Quant, o.Optim, o.Python, o.Impl
}

package torchworker

import (
	"os"
	"testing"

	"github.com/flock-off/ff/lib/internal/testenv"
)

// torchEnv is the interpreter, device and model code the parity tests run
// with: Debian's CPU torch with the plain model by default; on a GPU machine
//
//	FF_TORCH_PYTHON=/path/to/venv/bin/python FF_TORCH_DEVICE=cuda:0 [FF_TORCH_IMPL=transformers] \
//	  go test ./lib/torchworker -run Parity
func torchEnv(t *testing.T) (python, device, impl string) {
	t.Helper()
	python = os.Getenv("FF_TORCH_PYTHON")
	if python == "" {
		python = testenv.TorchPython(t)
	}
	device, impl = os.Getenv("FF_TORCH_DEVICE"), os.Getenv("FF_TORCH_IMPL")
	if device == "" {
		device = "cpu"
	}
	if impl == "" {
		impl = "plain"
	}
	t.Logf("torch worker: %s on %s, %s model code", python, device, impl)
	return python, device, impl
}

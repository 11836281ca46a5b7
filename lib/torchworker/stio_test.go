package torchworker

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flock-off/ff/lib/internal/testenv"
	"github.com/flock-off/ff/lib/safetensors"
)

// stioFuzz mutates a valid safetensors file many ways (truncations, header
// bytes replaced, header lengths changed) and loads each with the worker's
// reader: every attempt must load or raise stio.FormatError, never another
// exception, and a valid file must round-trip through stio.save.
const stioFuzz = `import os, random, struct, sys, tempfile, traceback
sys.path.insert(0, sys.argv[1])
import stio, torch
src = open(sys.argv[2], "rb").read()
t = stio.load(sys.argv[2])
assert sorted(t) == ["a", "b", "c"], sorted(t)
assert t["a"].dtype == torch.float32 and list(t["a"].shape) == [2, 3] and t["a"][1, 2].item() == 6.0
assert t["b"].dtype == torch.bfloat16 and t["b"].float().tolist() == [1.0, -2.0]
tmp = tempfile.mkdtemp()
p2 = os.path.join(tmp, "rt.safetensors")
stio.save(p2, t, {"format": "pt"})
t2 = stio.load(p2)
assert all(torch.equal(t[k], t2[k]) for k in t), "round trip"
(n,) = struct.unpack("<Q", src[:8])
rng = random.Random(1)
bad = 0
for i in range(600):
    b = bytearray(src)
    kind = i % 4
    if kind == 0:
        b = b[:rng.randrange(len(b))]
    elif kind == 1:
        for _ in range(rng.randrange(1, 4)):
            b[8 + rng.randrange(n)] = rng.choice(b'0123456789-.,:[]{}"aeFIBU ')
    elif kind == 2:
        b[:8] = struct.pack("<Q", rng.choice([0, 1, n - 1, n + 1, len(b), 2**63, rng.randrange(2**64)]))
    else:
        j = 8 + rng.randrange(n)
        b[j:j] = bytes([rng.randrange(256)])
    p = os.path.join(tmp, "m.safetensors")
    open(p, "wb").write(b)
    try:
        stio.load(p)
    except stio.FormatError:
        pass
    except Exception:
        bad += 1
        if bad <= 3:
            print("mutation", i, "kind", kind, "raised:", traceback.format_exc().strip().splitlines()[-1])
print("bad", bad)
`

func TestStioCorruptFiles(t *testing.T) {
	py := testenv.TorchPython(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "x.safetensors")
	err := safetensors.WriteFile(src, []safetensors.Tensor{
		{Name: "a", DType: safetensors.F32, Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}},
		{Name: "b", DType: safetensors.BF16, Shape: []int{2}, Data: []float32{1, -2}},
		{Name: "c", DType: safetensors.F32, Shape: []int{0}, Data: nil},
	}, map[string]string{"format": "pt"})
	if err != nil {
		t.Fatal(err)
	}
	sdir, err := writeScripts()
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(sdir)
	script := filepath.Join(dir, "fuzz.py")
	os.WriteFile(script, []byte(stioFuzz), 0o644)
	out, err := exec.Command(py, "-B", script, sdir, src).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "bad 0\n") {
		t.Fatalf("%v\n%s", err, out)
	}
}

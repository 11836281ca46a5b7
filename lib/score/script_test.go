package score

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/flock-off/ff/lib/internal/testenv"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"ff-score": func() { os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// CLI behaviour on the bundled tiny model: output shape, stderr talk,
// errors naming files and FILE:LINE, rejects, per-row, tokens.
func TestScripts(t *testing.T) {
	root := testenv.RepoRoot(t)
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script"),
		Setup: func(env *testscript.Env) error {
			env.Setenv("TINY", filepath.Join(root, "testdata", "tiny"))
			env.Setenv("EVAL", filepath.Join(root, "testdata", "demo", "eval.jsonl"))
			env.Setenv("FINETUNE", filepath.Join(root, "testdata", "tiny", "corpus", "finetune.jsonl"))
			return nil
		},
	})
}

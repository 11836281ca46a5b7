package chat

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/internal/testenv"
	"github.com/rogpeppe/go-internal/testscript"
	"github.com/urfave/cli/v2"
)

// TestMain lets the scripts run `ff-score tokens` through a tiny app that
// mounts TokensCommand as ff-score does.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"ff-score": func() {
			a := &cli.App{Name: "ff-score", Commands: []*cli.Command{TokensCommand()}}
			os.Exit(app.Run(a, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
		},
	})
}

// TestScripts: the tokens command's CLI behaviour on the bundled tiny model.
func TestScripts(t *testing.T) {
	root := testenv.RepoRoot(t)
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script"),
		Setup: func(env *testscript.Env) error {
			env.Setenv("TINY", filepath.Join(root, "testdata", "tiny"))
			return nil
		},
	})
}

package dedup

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/flock-off/ff/lib/internal/testenv"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"ff-dedup": func() { os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// CLI behaviour: exit codes, stderr talk, reports, stdin, overlap, stage errors.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: filepath.Join("testdata", "script")})
}

// The staged run as separate processes (3 signature shards, one bucket job
// per band, clusters, filter) must equal the single-process run byte for
// byte, on the real T0 near duplicates.
func TestStagedEqualsSingleRun(t *testing.T) {
	files := t0Files(t)
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "staged"),
		Setup: func(env *testscript.Env) error {
			// Two inputs, so shards cut across file boundaries.
			for _, part := range []struct{ name, prefix string }{{"ag.jsonl", "ag_news_"}, {"qa.jsonl", "adversarial_qa_dbert_"}} {
				var all []byte
				for _, f := range files {
					if filepath.Base(f)[:len(part.prefix)] == part.prefix {
						b, err := os.ReadFile(f)
						if err != nil {
							return err
						}
						all = append(all, b...)
					}
				}
				if err := os.WriteFile(filepath.Join(env.WorkDir, part.name), all, 0o644); err != nil {
					return err
				}
			}
			return nil
		},
	})
	_ = testenv.Shared
}

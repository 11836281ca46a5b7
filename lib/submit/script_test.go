package submit

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// The scripts in testdata/script run ff-submit as a command (in this test
// binary) on the bundled devnet metadata, offline.
func TestScripts(t *testing.T) {
	md := bundledMetadata(t)
	testscript.Run(t, testscript.Params{
		Dir: scriptDir,
		Setup: func(e *testscript.Env) error {
			e.Setenv("METADATA", md)
			e.Setenv("FF_TEST_MNEMONIC", devPhrase)
			e.Setenv("GENESIS", testGenesis)
			return nil
		},
	})
}

func init() {
	testscriptCommands["ff-submit"] = func() int { return Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr) }
}

var testscriptCommands = map[string]func() int{}

package submit

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flock-off/ff/lib/internal/testenv"
	"github.com/rogpeppe/go-internal/testscript"
)

// devPhrase is Substrate's public development mnemonic (never a real secret).
const devPhrase = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"

const testGenesis = "0x2f0555cc76fc2840a25a6ea3b9637146806f1f44b090c175ffde2a7e5ab36c03"

var polkadotPackages = []string{"@polkadot/util-crypto@14.0.3", "@polkadot/util@14.0.3", "@polkadot/types@16.5.6"}

func bundledMetadata(t testing.TB) string {
	return filepath.Join(testenv.RepoRoot(t), "testdata", "chain", "metadata-v16-devnet.scale")
}

// run calls Main in-process and returns stdout, stderr and the exit code.
func run(t testing.TB, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

func offlineArgs(t testing.TB, nonce string) []string {
	return []string{"--dry-run", "--offline", "--metadata", bundledMetadata(t), "--genesis", testGenesis,
		"--spec-version", "331", "--tx-version", "1", "--nonce", nonce, "--mnemonic-env", "FF_TEST_MNEMONIC"}
}

type dryRun struct {
	Call       string          `json:"call"`
	Args       json.RawMessage `json:"args"`
	Signer     string          `json:"signer"`
	Nonce      uint64          `json:"nonce"`
	Extrinsic  string          `json:"extrinsic"`
	Hash       string          `json:"hash"`
	Commitment string          `json:"commitment"`
	CommitHash string          `json:"commit_hash"`
}

func parseLines(t testing.TB, out string) []dryRun {
	t.Helper()
	var rs []dryRun
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var r dryRun
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("output line %q: %v", l, err)
		}
		rs = append(rs, r)
	}
	return rs
}

// TestMain runs the tests in a scratch directory, so a default output such
// as --state ff-submit-state.json never lands in the source tree.
func TestMain(m *testing.M) {
	os.Setenv("FF_TEST_MNEMONIC", devPhrase)
	src, _ := os.Getwd()
	scriptDir = filepath.Join(src, "testdata", "script")
	// Not when this binary runs as a script's ff-submit command: that one
	// works in the script's directory.
	if _, isCommand := testscriptCommands[filepath.Base(os.Args[0])]; !isCommand {
		if tmp, err := os.MkdirTemp("", "ff-submit-test-"); err == nil {
			os.Chdir(tmp)
			code := testscript.RunMain(m, testscriptCommands)
			os.RemoveAll(tmp)
			os.Exit(code)
		}
	}
	os.Exit(testscript.RunMain(m, testscriptCommands))
}

var scriptDir string

func TestUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"commit", "--netuid", "1", "--repo", "a/b", "--competition-id", "1"}, "either --file"},
		{[]string{"commit", "--netuid", "1", "--repo", "nobody", "--competition-id", "1", "--revision", "abcdef0123"}, "NAMESPACE/NAME"},
		{[]string{"commit", "--netuid", "1", "--repo", "a/b", "--competition-id", "1", "--revision", "abc"}, "shorter than 7"},
		{[]string{"weights", "--netuid", "1", "--offline", "--mnemonic-env", "FF_TEST_MNEMONIC"}, "--offline needs"},
		{[]string{"weights", "--netuid", "1", "--mode", "both"}, "--mode"},
		{[]string{"metagraph", "--netuid", "1", "--network", "mainnet"}, "unknown network"},
	} {
		_, stderr, code := run(t, `{"uid":0,"weight":1}`, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q (want 2 and %q)", c.args, code, stderr, c.want)
		}
	}
}

func TestCommitRefusesLongCommitment(t *testing.T) {
	args := append([]string{"commit", "--netuid", "1", "--repo", "alice/" + strings.Repeat("d", 100), "--competition-id", "competition-1",
		"--revision", strings.Repeat("0", 40)}, offlineArgs(t, "0")...)
	out, stderr, code := run(t, "", args...)
	if code != 2 || !strings.Contains(stderr, "at most 128") || out != "" {
		t.Fatalf("exit %d, stderr %q, stdout %q", code, stderr, out)
	}
}

func TestMnemonicNeverPrinted(t *testing.T) {
	args := append([]string{"weights", "--netuid", "1"}, offlineArgs(t, "0")...)
	out, stderr, code := run(t, `{"uid":0,"weight_u16":65535}`, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, w := range strings.Fields(devPhrase)[:3] {
		if strings.Contains(out+stderr, w+" ") {
			t.Fatalf("output contains the mnemonic")
		}
	}
	os.Setenv("FF_BAD_MNEMONIC", "bottom drive obey lake curtain smoke basket hold race lonely fit wall")
	args = append([]string{"weights", "--netuid", "1"}, offlineArgs(t, "0")...)
	args[len(args)-1] = "FF_BAD_MNEMONIC"
	_, stderr, code = run(t, `{"uid":0,"weight_u16":65535}`, args...)
	if code != 2 || strings.Contains(stderr, "bottom") {
		t.Fatalf("bad mnemonic: exit %d, %q", code, stderr)
	}
}

func TestWeightsInput(t *testing.T) {
	args := append([]string{"weights", "--netuid", "2"}, offlineArgs(t, "4")...)
	// Floats only: converted like the SDK (max → 65535, zeros dropped).
	out, stderr, code := run(t, "{\"uid\":5,\"weight\":0.25}\n{\"uid\":1,\"weight\":1}\n{\"uid\":2,\"weight\":0}\n", args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	r := parseLines(t, out)[0]
	if string(r.Args) != `{"netuid":2,"dests":[1,5],"weights":[65535,16384],"version_key":0}` || r.Nonce != 4 {
		t.Fatalf("args %s nonce %d", r.Args, r.Nonce)
	}
	// Malformed input names FILE:LINE.
	_, stderr, code = run(t, "{\"uid\":1,\"weight\":1}\n{\"weight\":1}\n", args...)
	if code != 1 || !strings.Contains(stderr, "stdin:2") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	_, stderr, code = run(t, "{\"uid\":1,\"weight\":1}\n{\"uid\":1,\"weight\":2}\n", args...)
	if code != 1 || !strings.Contains(stderr, "repeats") {
		t.Fatalf("duplicate uid: exit %d: %s", code, stderr)
	}
	// All zero: nothing to send, not an error.
	out, _, code = run(t, "{\"uid\":1,\"weight\":0}\n", args...)
	if code != 0 || out != "" {
		t.Fatalf("all-zero: exit %d, out %q", code, out)
	}
}

func TestEmptyWeightsInput(t *testing.T) {
	t.Setenv("FF_TEST_MNEMONIC", "bottom drive obey lake curtain smoke basket hold race lonely fit walk")
	args := append([]string{"weights", "--netuid", "1"}, offlineArgs(t, "0")...)
	out, stderr, code := run(t, "", args...)
	if code != 1 || out != "" || !strings.Contains(stderr, "stdin: no weight lines") {
		t.Errorf("empty stdin: exit %d, stdout %q, stderr %q; want 1 and a message", code, out, stderr)
	}
}

func TestMissingFilesExit3(t *testing.T) {
	dir := t.TempDir()
	nope := filepath.Join(dir, "nope")
	t.Setenv("FF_TEST_MNEMONIC", "bottom drive obey lake curtain smoke basket hold race lonely fit walk")
	for _, args := range [][]string{
		// --file is checked before the node is dialled (port 1 refuses).
		{"commit", "--netuid", "1", "--repo", "a/b", "--competition-id", "1", "--file", nope + ".jsonl",
			"--mnemonic-env", "FF_TEST_MNEMONIC", "--network", "ws://127.0.0.1:1", "--retries", "0"},
		{"weights", "--netuid", "1", "--dry-run", "--offline", "--metadata", nope + ".scale", "--genesis", testGenesis,
			"--spec-version", "1", "--tx-version", "1", "--nonce", "0", "--mnemonic-env", "FF_TEST_MNEMONIC"},
	} {
		out, stderr, code := run(t, `{"uid":0,"weight":1}`, args...)
		if code != 3 || !strings.Contains(stderr, nope) || out != "" {
			t.Errorf("%s: exit %d, stderr %q, stdout %q; want 3 naming %s", args[0], code, stderr, out, nope)
		}
	}
}

func TestWalletFlags(t *testing.T) {
	dir := t.TempDir()
	args := []string{"weights", "--netuid", "1", "--dry-run", "--offline", "--metadata", bundledMetadata(t), "--genesis", testGenesis,
		"--spec-version", "1", "--tx-version", "1", "--nonce", "0", "--wallet.path", dir, "--wallet.name", "w", "--wallet.hotkey", "h"}
	_, stderr, code := run(t, `{"uid":0,"weight":1}`, args...)
	if code != 2 || !strings.Contains(stderr, "--mnemonic-env") {
		t.Fatalf("missing wallet: exit %d %q", code, stderr)
	}
}

func TestHelpOneDefaultPerFlag(t *testing.T) {
	for _, cmd := range []string{"commit", "commitments", "metagraph", "weights", "reveal", "broadcast"} {
		out, _, _ := run(t, "", cmd, "--help")
		if !strings.Contains(out, "--netuid") && !strings.Contains(out, "--network") {
			t.Errorf("%s --help: no flags on stdout: %q", cmd, out)
		}
		for _, l := range strings.Split(out, "\n") {
			if strings.Count(l, "(default:") > 1 {
				t.Errorf("%s --help: line with two defaults: %q", cmd, l)
			}
		}
	}
}

package hub_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flock-off/ff/lib/hub/hubtest"
	"github.com/flock-off/ff/lib/internal/testenv"
	"github.com/flock-off/ff/lib/submit"
)

// devPhrase is Substrate's public development mnemonic (never a real secret).
const devPhrase = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"

func submitMain(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = submit.Main(args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

// offline signs without a node, from the bundled devnet metadata.
func offline(t *testing.T) []string {
	return []string{"--dry-run", "--offline",
		"--metadata", filepath.Join(testenv.RepoRoot(t), "testdata", "chain", "metadata-v16-devnet.scale"),
		"--genesis", "0x2f0555cc76fc2840a25a6ea3b9637146806f1f44b090c175ffde2a7e5ab36c03",
		"--spec-version", "331", "--tx-version", "1", "--nonce", "0", "--mnemonic-env", "FF_TEST_MNEMONIC"}
}

// TestSubmitCommitDryRunUploads is the miner's publish step against the
// in-process Hub: ff-submit commit --dry-run uploads data.jsonl, then prints
// the commitment (namespace:competition:sha) and the extrinsic it would send.
func TestSubmitCommitDryRunUploads(t *testing.T) {
	srv := hubtest.New(t)
	data := []byte(`{"system":null,"conversations":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}` + "\n")
	file := filepath.Join(t.TempDir(), "data.jsonl")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(srv.Token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FF_TEST_MNEMONIC", devPhrase)
	t.Setenv("HF_TOKEN", "")
	t.Setenv("FF_CACHE", t.TempDir())
	args := append([]string{"commit", "--netuid", "96", "--repo", "alice/off-data", "--competition-id", "1",
		"--file", file, "--private", "--endpoint", srv.URL, "--hf-token-file", tokenFile}, offline(t)...)
	stdout, stderr, code := submitMain(t, args...)
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, stderr)
	}
	sha := srv.Head("alice/off-data")
	if got, _, ok := srv.File("alice/off-data", sha, "data.jsonl"); !ok || !bytes.Equal(got, data) {
		t.Fatalf("the Hub does not hold the uploaded data.jsonl at %s", sha)
	}
	var out struct {
		Commitment string `json:"commitment"`
		Extrinsic  string `json:"extrinsic"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(stdout)), &out); err != nil {
		t.Fatalf("stdout %q: %v", stdout, err)
	}
	if out.Commitment != "alice/off-data:1:"+sha || !strings.HasPrefix(out.Extrinsic, "0x") {
		t.Fatalf("commitment %q (head %s), extrinsic %.20q", out.Commitment, sha, out.Extrinsic)
	}
	if strings.Contains(stdout+stderr, srv.Token) {
		t.Fatal("the token was printed")
	}
}

// TestSubmitCommitGivesUpExit3 checks a Hub that keeps failing ends the
// command with exit status 3 and a message naming what failed.
func TestSubmitCommitGivesUpExit3(t *testing.T) {
	srv := hubtest.New(t)
	srv.Inject(hubtest.Fault{Path: "/api/repos/create", Status: 503, RetryAfter: "0"})
	file := filepath.Join(t.TempDir(), "data.jsonl")
	os.WriteFile(file, []byte("{}\n"), 0o644)
	t.Setenv("FF_TEST_MNEMONIC", devPhrase)
	t.Setenv("HF_TOKEN", srv.Token)
	args := append([]string{"commit", "--netuid", "96", "--repo", "alice/off-data", "--competition-id", "1",
		"--file", file, "--endpoint", srv.URL}, offline(t)...)
	_, stderr, code := submitMain(t, args...)
	if code != 3 || !strings.Contains(stderr, "gave up after 6 attempts") || !strings.Contains(stderr, "503") {
		t.Fatalf("exit %d, stderr %q; want 3 after 6 attempts", code, stderr)
	}
	if n := srv.Requests("/api/repos/create"); n != 6 {
		t.Errorf("%d attempts reached the Hub, want 6", n)
	}
	if strings.Contains(stderr, srv.Token) {
		t.Fatal("the token was printed")
	}
}

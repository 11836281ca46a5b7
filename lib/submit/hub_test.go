package submit

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/flock-off/ff/lib/hub/hubtest"
	"github.com/flock-off/ff/lib/keys"
)

// commit --file uploads through lib/hub first and commits the sha the Hub
// answered; with --dry-run the commitment that would be signed is printed
// and nothing reaches the chain.
func TestCommitUploadsThenSigns(t *testing.T) {
	hs := hubtest.New(t)
	t.Setenv("HF_TOKEN", hs.Token)
	t.Setenv("FF_CACHE", t.TempDir())
	n, _ := startNode(t)
	data := filepath.Join(t.TempDir(), "clean.jsonl")
	os.WriteFile(data, []byte(`{"system":null,"conversations":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}`+"\n"), 0o644)
	base := []string{"commit", "--netuid", "3", "--repo", "alice/flock-sft", "--competition-id", "1", "--file", data, "--endpoint", hs.URL}

	out, stderr, code := run(t, "", online(n, append(base, "--dry-run")...)...)
	if code != 0 {
		t.Fatalf("dry run: exit %d: %s", code, stderr)
	}
	r := parseLines(t, out)[0]
	if !regexp.MustCompile(`^alice/flock-sft:1:[0-9a-f]{40}$`).MatchString(r.Commitment) {
		t.Fatalf("commitment %q", r.Commitment)
	}
	if hs.Requests("/commit/") != 1 || len(n.Applied()) != 0 {
		t.Fatalf("%d Hub commits, %d extrinsics", hs.Requests("/commit/"), len(n.Applied()))
	}
	// Without any node: upload, then sign offline.
	out2, stderr, code := run(t, "", append(base, offlineArgs(t, "0")...)...)
	if code != 0 || parseLines(t, out2)[0].Commitment != r.Commitment {
		t.Fatalf("offline dry run: exit %d: %s %s", code, out2, stderr)
	}
	out, stderr, code = run(t, "", online(n, base...)...)
	if code != 0 {
		t.Fatalf("commit: exit %d: %s", code, stderr)
	}
	sha := r.Commitment[strings.LastIndex(r.Commitment, ":")+1:]
	out, _, _ = run(t, "", onlineRead(n, "commitments", "--netuid", "3")...)
	if !strings.Contains(out, `"revision":"`+sha+`"`) {
		t.Fatalf("read back %s, want revision %s (an unchanged file keeps its sha)", out, sha)
	}
}

// A btcli-style plaintext hotkey under --wallet.path signs; a key file others
// can read draws a warning that does not show the secret.
func TestWalletHotkeySigns(t *testing.T) {
	n, miner := startNode(t)
	n.Set("SubtensorModule", "CommitRevealWeightsEnabled", false, uint16(3))
	dir := t.TempDir()
	ms, _ := keys.MiniSecretFromMnemonic(devPhrase, "")
	wf, _ := keys.NewWalletFile(ms, devPhrase)
	b, _ := json.Marshal(wf)
	path := keys.HotkeyPath(dir, "validator", "hk")
	os.MkdirAll(filepath.Dir(path), 0o700)
	os.WriteFile(path, b, 0o644)
	out, stderr, code := run(t, `{"uid":1,"weight_u16":7}`, "weights", "--netuid", "3", "--network", n.URL(),
		"--wallet.path", dir, "--wallet.name", "validator", "--wallet.hotkey", "hk", "--state", filepath.Join(dir, "state.json"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, miner.Address()) || !strings.Contains(stderr, "readable by group or others") {
		t.Fatalf("out %s stderr %s", out, stderr)
	}
	if strings.Contains(stderr+out, wf.SecretSeed[2:]) || strings.Contains(stderr+out, "bottom drive") {
		t.Fatal("the secret was printed")
	}
	if a := n.Applied(); len(a) != 1 || a[0].Signer != miner.Address() || a[0].Call.FullName() != "SubtensorModule.set_weights" {
		t.Fatalf("applied %+v", a)
	}
}

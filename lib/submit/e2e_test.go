package submit

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flock-off/ff/lib/chain"
	"github.com/flock-off/ff/lib/chain/testnode"
	"github.com/flock-off/ff/lib/internal/testenv"
	"github.com/flock-off/ff/lib/keys"
)

func startNode(t *testing.T) (*testnode.Node, *keys.Keypair) {
	t.Helper()
	b, err := os.ReadFile(bundledMetadata(t))
	if err != nil {
		t.Fatal(err)
	}
	n := testnode.New(t, b)
	miner, _ := keys.FromMnemonic(devPhrase, "")
	other, _ := keys.FromMiniSecret(make([]byte, 32))
	var cold [32]byte
	cold[0] = 9
	n.AdvanceBlocks(3)
	n.Register(3, 0, miner.PublicKey(), cold)
	n.Register(3, 1, other.PublicKey(), cold)
	n.Set("SubtensorModule", "WeightsVersionKey", uint64(5), uint16(3))
	n.Set("SubtensorModule", "WeightsSetRateLimit", uint64(10), uint16(3))
	return n, miner
}

func online(n *testnode.Node, args ...string) []string {
	return append(args, "--network", n.URL(), "--mnemonic-env", "FF_TEST_MNEMONIC", "--retries", "1")
}

func onlineRead(n *testnode.Node, args ...string) []string {
	return append(args, "--network", n.URL(), "--retries", "1")
}

type line map[string]json.RawMessage

func lines(t *testing.T, out string) []line {
	t.Helper()
	var ls []line
	for _, s := range strings.Split(strings.TrimSpace(out), "\n") {
		if s == "" {
			continue
		}
		var l line
		if err := json.Unmarshal([]byte(s), &l); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		ls = append(ls, l)
	}
	return ls
}

// commit → commitments read-back → weights with commit-reveal, the reveal
// run in a fresh ff-submit (a restart) from the state file, against the
// in-process node, which verifies every extrinsic's signature.
func TestEndToEnd(t *testing.T) {
	n, miner := startNode(t)
	rev := "0123456789abcdef0123456789abcdef01234567"
	commit := []string{"commit", "--netuid", "3", "--repo", "alice/flock-sft", "--competition-id", "1", "--revision", rev}

	out, stderr, code := run(t, "", online(n, commit...)...)
	if code != 0 {
		t.Fatalf("commit: exit %d: %s", code, stderr)
	}
	if l := lines(t, out)[0]; string(l["call"]) != `"Commitments.set_commitment"` || l["block"] == nil {
		t.Fatalf("commit printed %s", out)
	}
	// The same commitment again: nothing sent.
	before := len(n.Applied())
	out, stderr, code = run(t, "", online(n, commit...)...)
	if code != 0 || out != "" || !strings.Contains(stderr, "already has") || len(n.Applied()) != before {
		t.Fatalf("repeat commit: exit %d, out %q, stderr %q", code, out, stderr)
	}

	out, stderr, code = run(t, "", onlineRead(n, "commitments", "--netuid", "3")...)
	if code != 0 {
		t.Fatalf("commitments: exit %d: %s", code, stderr)
	}
	cs := lines(t, out)
	if len(cs) != 2 {
		t.Fatalf("%d commitment lines", len(cs))
	}
	wantRaw := `"alice/flock-sft:1:` + rev + `"`
	if string(cs[0]["hotkey"]) != `"`+miner.Address()+`"` || string(cs[0]["commitment"]) != wantRaw ||
		string(cs[0]["namespace"]) != `"alice/flock-sft"` || string(cs[0]["competition"]) != `"1"` || string(cs[0]["revision"]) != `"`+rev+`"` {
		t.Fatalf("uid 0: %s", out)
	}
	if string(cs[1]["commitment"]) != "null" || cs[1]["error"] == nil {
		t.Fatalf("uid 1 has no commitment: %s", out)
	}
	if b := string(cs[0]["block"]); b != "4" {
		t.Errorf("commitment block %s, want 4 (three empty blocks, then the commit)", b)
	}

	other, _ := keys.FromMiniSecret(make([]byte, 32)) // uid 1's hotkey, as startNode registered it
	otherKey := other.PublicKey()
	n.Set("SubtensorModule", "SubnetOwnerHotkey", otherKey[:], uint16(3))
	out, stderr, code = run(t, "", onlineRead(n, "metagraph", "--netuid", "3")...)
	mg := lines(t, out)
	if code != 0 || len(mg) != 2 || string(mg[1]["stake"]) != "1001" || string(mg[0]["validator_permit"]) != "true" {
		t.Fatalf("metagraph: exit %d %s %s", code, out, stderr)
	}
	if string(mg[1]["subnet_owner"]) != "true" || mg[0]["subnet_owner"] != nil {
		t.Fatalf("metagraph should mark uid 1 as the subnet owner: %s", out)
	}

	// Weights on a commit-reveal subnet: a commit now, the reveal later.
	n.Set("SubtensorModule", "CommitRevealWeightsEnabled", true, uint16(3))
	state := filepath.Join(t.TempDir(), "state.json")
	weights := "{\"uid\":0,\"hotkey\":\"x\",\"weight\":0.2,\"weight_u16\":13107}\n{\"uid\":1,\"hotkey\":\"y\",\"weight\":0.8,\"weight_u16\":65535}\n"
	out, stderr, code = run(t, weights, online(n, "weights", "--netuid", "3", "--state", state)...)
	if code != 0 {
		t.Fatalf("weights: exit %d: %s", code, stderr)
	}
	if l := lines(t, out)[0]; string(l["call"]) != `"SubtensorModule.commit_weights"` {
		t.Fatalf("weights printed %s", out)
	}
	st, err := loadState(state)
	if err != nil || len(st.Pending) != 1 || st.Pending[0].Block == "" || st.Pending[0].VersionKey != 5 {
		t.Fatalf("state after commit: %+v %v", st, err)
	}

	// A fresh run (the restart) reveals too early: refused and explained, kept.
	_, stderr, code = run(t, "", online(n, "reveal", "--netuid", "3", "--state", state)...)
	if code != 3 || !strings.Contains(stderr, "SubtensorModule.RevealTooEarly") || !strings.Contains(stderr, "run ff-submit reveal again later") {
		t.Fatalf("early reveal: exit %d: %s", code, stderr)
	}
	if st, _ := loadState(state); len(st.Pending) != 1 {
		t.Fatal("an early reveal dropped the pending commit")
	}
	n.AdvanceBlocks(5)
	out, stderr, code = run(t, "", online(n, "reveal", "--netuid", "3", "--state", state)...)
	if code != 0 {
		t.Fatalf("reveal: exit %d: %s", code, stderr)
	}
	if st, _ := loadState(state); len(st.Pending) != 0 {
		t.Fatalf("state still holds %d commits", len(st.Pending))
	}
	w, _ := n.Get("SubtensorModule", "Weights", uint16(3), uint16(0))
	if js := string(chain.MarshalValue(w)); js != "[[0,13107],[1,65535]]" {
		t.Fatalf("weights on chain %s", js)
	}

	// Commit-reveal off: set_weights, then the rate limit is caught before sending.
	n.Set("SubtensorModule", "CommitRevealWeightsEnabled", false, uint16(3))
	n.AdvanceBlocks(10)
	_, stderr, code = run(t, weights, online(n, "weights", "--netuid", "3", "--state", state)...)
	if code != 0 {
		t.Fatalf("set_weights: exit %d: %s", code, stderr)
	}
	before = len(n.Applied())
	_, stderr, code = run(t, weights, online(n, "weights", "--netuid", "3", "--state", state)...)
	if code != 3 || !strings.Contains(stderr, "rate limit") || len(n.Applied()) != before {
		t.Fatalf("rate limit: exit %d: %s", code, stderr)
	}

	// Every extrinsic the node took was signed by the miner and decoded.
	var calls []string
	for _, a := range n.Applied() {
		if a.Signer != miner.Address() {
			t.Errorf("extrinsic signed by %s", a.Signer)
		}
		calls = append(calls, a.Call.FullName()+":"+a.Error)
	}
	want := "Commitments.set_commitment: SubtensorModule.commit_weights: SubtensorModule.reveal_weights:SubtensorModule.RevealTooEarly SubtensorModule.reveal_weights: SubtensorModule.set_weights:"
	if strings.Join(calls, " ") != want {
		t.Fatalf("node applied %v", calls)
	}
}

// A signed-offline extrinsic is sent later with broadcast; a tampered one is refused.
func TestOfflineThenBroadcast(t *testing.T) {
	n, _ := startNode(t)
	n.Set("SubtensorModule", "CommitRevealWeightsEnabled", false, uint16(3))
	dir := t.TempDir()
	signed := filepath.Join(dir, "signed.jsonl")
	g := n.Genesis()
	args := []string{"weights", "--netuid", "3", "--mode", "set", "--version-key", "5", "--offline", "--metadata", bundledMetadata(t),
		"--genesis", chain.Hex(g[:]), "--spec-version", "331", "--tx-version", "1", "--nonce", "0", "--mnemonic-env", "FF_TEST_MNEMONIC", "-o", signed}
	if _, stderr, code := run(t, `{"uid":1,"weight_u16":100}`, args...); code != 0 {
		t.Fatalf("offline: exit %d: %s", code, stderr)
	}
	if len(n.Applied()) != 0 {
		t.Fatal("offline signing sent something")
	}
	raw, _ := os.ReadFile(signed)
	var l dryRun
	json.Unmarshal(raw, &l)
	tampered := filepath.Join(dir, "tampered")
	b, _ := chain.Unhex(l.Extrinsic)
	b[len(b)-1] ^= 1 // the version key's top byte
	os.WriteFile(tampered, []byte(chain.Hex(b)+"\n"), 0o644)
	_, stderr, code := run(t, "", "broadcast", "--network", n.URL(), tampered)
	if code != 3 || !strings.Contains(stderr, "bad signature") {
		t.Fatalf("tampered: exit %d: %s", code, stderr)
	}
	out, stderr, code := run(t, "", "broadcast", "--network", n.URL(), "--wait", "finalization", signed)
	if code != 0 || !strings.Contains(out, `"SubtensorModule.set_weights"`) || !strings.Contains(out, `"finalized":true`) {
		t.Fatalf("broadcast: exit %d: %s %s", code, out, stderr)
	}
	if a := n.Applied(); len(a) != 1 || a[0].Error != "" {
		t.Fatalf("applied %+v", a)
	}
}

// A dispatch error comes back as Pallet.Error with the runtime's docs and a hint.
func TestDispatchErrorExplained(t *testing.T) {
	n, _ := startNode(t) // commit-reveal is on by default in the devnet runtime
	args := online(n, "weights", "--netuid", "3", "--mode", "set")
	_, stderr, code := run(t, `{"uid":1,"weight_u16":100}`, args...)
	// ff-submit refuses before sending, having read the flag from the chain.
	if code != 3 || !strings.Contains(stderr, "commit-reveal on") || len(n.Applied()) != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// An extrinsic signed offline does not know; the node's refusal is decoded.
	g := n.Genesis()
	out, _, _ := run(t, `{"uid":1,"weight_u16":100}`, "weights", "--netuid", "3", "--mode", "set", "--offline", "--metadata", bundledMetadata(t),
		"--genesis", chain.Hex(g[:]), "--spec-version", "331", "--tx-version", "1", "--nonce", "0", "--mnemonic-env", "FF_TEST_MNEMONIC")
	_, stderr, code = run(t, out, "broadcast", "--network", n.URL(), "-")
	if code != 3 || !strings.Contains(stderr, "SubtensorModule.CommitRevealEnabled: Attempting to call set_weights when commit/reveal is enabled") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

// A commit the node refuses outright leaves no pending entry behind; the
// state file is still valid JSON for the next run.
func TestRefusedCommitLeavesNoState(t *testing.T) {
	n, _ := startNode(t)
	state := filepath.Join(t.TempDir(), "state.json")
	_, stderr, code := run(t, `{"uid":1,"weight_u16":9}`, online(n, "weights", "--netuid", "3", "--state", state, "--nonce", "7")...)
	if code != 3 || !strings.Contains(stderr, "valid in the future") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	st, err := loadState(state)
	if err != nil || len(st.Pending) != 0 {
		t.Fatalf("state %+v %v", st, err)
	}
}

// Nodes serving the live V14 and V15 metadata (../shared): the runtime API
// for newer metadata answers None or is missing, so ff-submit falls back,
// and V14 names the extrinsic's types only through type parameters.
func TestOlderMetadataNodes(t *testing.T) {
	for _, f := range []string{"metadata-v14.scale", "metadata-v15.scale"} {
		t.Run(f, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(testenv.Shared(t), "subtensor", f))
			if err != nil {
				t.Fatal(err)
			}
			n := testnode.New(t, b)
			miner, _ := keys.FromMnemonic(devPhrase, "")
			n.AdvanceBlocks(2)
			n.Register(7, 0, miner.PublicKey(), [32]byte{1})
			n.Set("SubtensorModule", "CommitRevealWeightsEnabled", false, uint16(7))
			rev := "89abcdef0123456789abcdef0123456789abcdef"
			_, stderr, code := run(t, "", online(n, "commit", "--netuid", "7", "--repo", "bob/set", "--competition-id", "2", "--revision", rev)...)
			if code != 0 {
				t.Fatalf("commit: exit %d: %s", code, stderr)
			}
			out, stderr, code := run(t, "", onlineRead(n, "commitments", "--netuid", "7")...)
			if code != 0 || !strings.Contains(out, `"commitment":"bob/set:2:`+rev+`"`) {
				t.Fatalf("commitments: exit %d: %s %s", code, out, stderr)
			}
			_, stderr, code = run(t, `{"uid":0,"weight":1}`, online(n, "weights", "--netuid", "7", "--state", filepath.Join(t.TempDir(), "s.json"))...)
			if code != 0 {
				t.Fatalf("weights: exit %d: %s", code, stderr)
			}
			a := n.Applied()
			if len(a) != 2 || a[0].Error != "" || a[1].Call.FullName() != "SubtensorModule.set_weights" || a[1].Error != "" {
				t.Fatalf("applied %+v", a)
			}
		})
	}
}

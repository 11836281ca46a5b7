package submit

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/flock-off/ff/lib/chain"
	"github.com/flock-off/ff/lib/internal/testenv"
	"github.com/flock-off/ff/lib/keys"
)

// decodeScript decodes each extrinsic with @polkadot/types against the same
// metadata and checks its signature over the payload polkadot-js builds
// itself from the extrinsic's era/nonce/tip and the chain facts.
const decodeScript = `
const fs = require('fs');
const { TypeRegistry, Metadata } = require('@polkadot/types');
const { cryptoWaitReady, sr25519Verify, blake2AsU8a } = require('@polkadot/util-crypto');
const { u8aToHex } = require('@polkadot/util');
let input = '';
process.stdin.on('data', d => input += d).on('end', async () => {
  await cryptoWaitReady();
  const x = JSON.parse(input);
  const registry = new TypeRegistry();
  const metadata = new Metadata(registry, fs.readFileSync(x.metadata));
  registry.setMetadata(metadata);
  const out = x.extrinsics.map(hex => {
    const ext = registry.createType('Extrinsic', hex);
    const payload = registry.createType('ExtrinsicPayload', {
      method: ext.method.toHex(), era: ext.era.toHex(), nonce: ext.nonce.toNumber(), tip: ext.tip.toString(),
      specVersion: x.specVersion, transactionVersion: x.txVersion, genesisHash: x.genesis, blockHash: x.genesis,
      mode: 0, metadataHash: null,
    }, { version: 4 });
    let msg = payload.toU8a({ method: true });
    if (msg.length > 256) msg = blake2AsU8a(msg, 256);
    return {
      section: ext.method.section, method: ext.method.method,
      args: ext.method.toJSON().args,
      signer: ext.signer.toString(), nonce: ext.nonce.toNumber(), immortal: ext.era.isImmortalEra,
      isSigned: ext.isSigned, version: ext.version,
      sigOk: sr25519Verify(msg, ext.signature, ext.signer.toU8a().slice(-32)),
      reencoded: ext.toHex(),
    };
  });
  console.log(JSON.stringify(out));
});`

type polkadotDecoded struct {
	Section, Method string
	Args            map[string]json.RawMessage
	Signer          string
	Nonce           uint64
	Immortal        bool
	IsSigned        bool
	Version         int
	SigOk           bool
	Reencoded       string
}

// The hex of --dry-run --offline for set_commitment, set_weights,
// commit_weights and reveal_weights decodes with @polkadot/types to the
// intended call and arguments, and its signature verifies.
func TestDryRunDecodesWithPolkadot(t *testing.T) {
	dir := testenv.NodeModules(t, polkadotPackages...)
	state := filepath.Join(t.TempDir(), "state.json")
	rev := "5d4f1e7c9a3b2d8e6f0a1b2c3d4e5f6a7b8c9d0e"

	var lines []dryRun
	step := func(stdin string, args ...string) {
		t.Helper()
		out, stderr, code := run(t, stdin, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		lines = append(lines, parseLines(t, out)...)
	}
	step("", append([]string{"commit", "--netuid", "3", "--repo", "alice/flock-sft", "--competition-id", "1", "--revision", rev}, offlineArgs(t, "7")...)...)
	step(`{"uid":0,"weight_u16":65535}`+"\n"+`{"uid":4,"weight_u16":1234}`, append([]string{"weights", "--netuid", "3", "--mode", "set", "--version-key", "2"}, offlineArgs(t, "8")...)...)
	// Offline without --dry-run: signed for broadcast, and the commit is kept in --state.
	commitArgs := append([]string{"weights", "--netuid", "3", "--mode", "commit", "--version-key", "2", "--state", state, "--seed", "42"}, offlineArgs(t, "9")[1:]...)
	step(`{"uid":0,"weight_u16":65535}`+"\n"+`{"uid":4,"weight_u16":1234}`, commitArgs...)
	step("", append([]string{"reveal", "--netuid", "3", "--state", state}, offlineArgs(t, "10")...)...)
	// 200 uids: the payload is over 256 bytes and is signed as its blake2b-256.
	var big strings.Builder
	for uid := 0; uid < 200; uid++ {
		big.WriteString(`{"uid":` + strconv.Itoa(uid) + `,"weight_u16":` + strconv.Itoa(uid+1) + "}\n")
	}
	step(big.String(), append([]string{"weights", "--netuid", "3", "--mode", "set", "--version-key", "2"}, offlineArgs(t, "11")...)...)
	if len(lines) != 5 {
		t.Fatalf("%d extrinsics", len(lines))
	}
	var exts []string
	for _, l := range lines {
		exts = append(exts, l.Extrinsic)
	}
	in, _ := json.Marshal(map[string]any{"metadata": bundledMetadata(t), "extrinsics": exts, "genesis": testGenesis, "specVersion": 331, "txVersion": 1})
	var got []polkadotDecoded
	out := testenv.Node(t, dir, decodeScript, in)
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	kp, _ := keys.FromMnemonic(devPhrase, "")
	pub := kp.PublicKey()
	var st State
	b, _ := os.ReadFile(state)
	json.Unmarshal(b, &st)
	if len(st.Pending) != 1 {
		t.Fatalf("state holds %d commits", len(st.Pending))
	}
	salt, _ := json.Marshal(st.Pending[0].Salt)
	wantHash := chain.CommitHash(pub, 3, []uint16{0, 4}, []uint16{65535, 1234}, st.Pending[0].Salt, 2)
	commitment := "alice/flock-sft:1:" + rev
	want := []struct {
		section, method string
		nonce           uint64
		args            map[string]string
	}{
		{"commitments", "setCommitment", 7, map[string]string{"netuid": "3", "info": `{"fields":[{"raw` + strconv.Itoa(len(commitment)) + `":"0x` + hex.EncodeToString([]byte(commitment)) + `"}]}`}},
		{"subtensorModule", "setWeights", 8, map[string]string{"netuid": "3", "dests": "[0,4]", "weights": "[65535,1234]", "version_key": "2"}},
		{"subtensorModule", "commitWeights", 9, map[string]string{"netuid": "3", "commit_hash": `"` + chain.Hex(wantHash[:]) + `"`}},
		{"subtensorModule", "revealWeights", 10, map[string]string{"netuid": "3", "uids": "[0,4]", "values": "[65535,1234]", "salt": string(salt), "version_key": "2"}},
		{"subtensorModule", "setWeights", 11, map[string]string{"netuid": "3", "dests": seq(0, 200), "weights": seq(1, 201), "version_key": "2"}},
	}
	for i, w := range want {
		g := got[i]
		if g.Section != w.section || g.Method != w.method {
			t.Errorf("extrinsic %d decodes to %s.%s, want %s.%s", i, g.Section, g.Method, w.section, w.method)
		}
		for k, v := range w.args {
			if string(g.Args[k]) != v {
				t.Errorf("%s: arg %s = %s, want %s", w.method, k, g.Args[k], v)
			}
		}
		if len(g.Args) != len(w.args) {
			t.Errorf("%s: %d args, want %d", w.method, len(g.Args), len(w.args))
		}
		if g.Signer != kp.Address() || g.Nonce != w.nonce || !g.Immortal || !g.IsSigned || g.Version != 0x84 {
			t.Errorf("%s: signer %s nonce %d immortal %v signed %v version %d", w.method, g.Signer, g.Nonce, g.Immortal, g.IsSigned, g.Version)
		}
		if !g.SigOk {
			t.Errorf("%s: signature does not verify over polkadot-js's payload", w.method)
		}
		if g.Reencoded != lines[i].Extrinsic {
			t.Errorf("%s: polkadot-js re-encodes to other bytes", w.method)
		}
	}
	if lines[2].CommitHash != chain.Hex(wantHash[:]) || lines[0].Commitment != commitment {
		t.Errorf("printed commit_hash %s / commitment %s", lines[2].CommitHash, lines[0].Commitment)
	}
	if !strings.HasPrefix(lines[3].Call, "SubtensorModule.reveal_weights") {
		t.Errorf("reveal printed %s", lines[3].Call)
	}
}

// The commit hash equals blake2b-256 over the tuple as @polkadot/types
// encodes it, hashed by @polkadot/util-crypto (the runtime's computation).
func TestCommitHashMatchesPolkadot(t *testing.T) {
	dir := testenv.NodeModules(t, polkadotPackages...)
	kp, _ := keys.FromMnemonic(devPhrase, "")
	pub := kp.PublicKey()
	uids, values, salt := []uint16{0, 1, 7, 300}, []uint16{65535, 0, 12, 40000}, []uint16{1, 2, 3, 4, 5, 6, 7, 65535}
	in, _ := json.Marshal(map[string]any{"account": chain.Hex(pub[:]), "netuid": 96, "uids": uids, "values": values, "salt": salt, "versionKey": "18446744073709551615"})
	out := testenv.Node(t, dir, `
const { TypeRegistry } = require('@polkadot/types');
const { cryptoWaitReady, blake2AsHex } = require('@polkadot/util-crypto');
let input = '';
process.stdin.on('data', d => input += d).on('end', async () => {
  await cryptoWaitReady();
  const x = JSON.parse(input);
  const registry = new TypeRegistry();
  const t = registry.createType('(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)',
    [x.account, x.netuid, x.uids, x.values, x.salt, x.versionKey]);
  console.log(blake2AsHex(t.toU8a(), 256));
});`, in)
	got := chain.CommitHash(pub, 96, uids, values, salt, 1<<64-1)
	if strings.TrimSpace(string(out)) != chain.Hex(got[:]) {
		t.Fatalf("polkadot %s, ours %s", out, chain.Hex(got[:]))
	}
}

// seq is the JSON list from..to-1.
func seq(from, to int) string {
	var parts []string
	for i := from; i < to; i++ {
		parts = append(parts, strconv.Itoa(i))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

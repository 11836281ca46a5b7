package keys

import (
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/flock-off/ff/lib/internal/testenv"
)

// A $NACL key file sealed by independent code (hash-wasm's Argon2i and
// tweetnacl's secretbox, the primitives btwallet uses through libsodium)
// opens here, and one sealed here opens there. Cost parameters are cut down
// on both sides to keep the test fast; the real ones are libsodium's
// "sensitive" limits (ops 8, 512 MiB), which btwallet passes.
func TestNACLAgainstIndependentCode(t *testing.T) {
	if naclOps != 8 || naclMemKiB != 512*1024 {
		t.Fatalf("Argon2i limits %d/%d KiB, want libsodium's sensitive 8/524288", naclOps, naclMemKiB)
	}
	defer func(o, m uint32) { naclOps, naclMemKiB = o, m }(naclOps, naclMemKiB)
	naclOps, naclMemKiB = 3, 4096
	dir := testenv.NodeModules(t, "hash-wasm@4.13.0", "tweetnacl@1.0.3")
	ms, _ := MiniSecretFromMnemonic(devPhrase, "")
	wf, _ := NewWalletFile(ms, devPhrase)
	plain, _ := json.Marshal(wf)
	ours := EncryptNACL(plain, "hunter2 correct", [24]byte{7, 7, 7})
	in, _ := json.Marshal(map[string]string{"plain": hex.EncodeToString(plain), "ours": hex.EncodeToString(ours),
		"password": "hunter2 correct", "salt": hex.EncodeToString(naclSalt), "ops": strconv.Itoa(int(naclOps)), "mem": strconv.Itoa(int(naclMemKiB))})
	out := testenv.Node(t, dir, `
const { argon2i } = require('hash-wasm');
const nacl = require('tweetnacl');
let input = '';
process.stdin.on('data', d => input += d).on('end', async () => {
  const x = JSON.parse(input);
  const key = await argon2i({ password: x.password, salt: Buffer.from(x.salt, 'hex'), iterations: +x.ops,
    memorySize: +x.mem, parallelism: 1, hashLength: 32, outputType: 'binary' });
  const nonce = nacl.randomBytes(24);
  const sealed = nacl.secretbox(Buffer.from(x.plain, 'hex'), nonce, key);
  const theirs = Buffer.concat([Buffer.from('$NACL'), Buffer.from(nonce), Buffer.from(sealed)]);
  const o = Buffer.from(x.ours, 'hex');
  const opened = nacl.secretbox.open(o.subarray(29), o.subarray(5, 29), key);
  console.log(JSON.stringify({ theirs: theirs.toString('hex'), opened: opened ? Buffer.from(opened).toString('hex') : null }));
});`, in)
	var res struct{ Theirs, Opened string }
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if res.Opened != hex.EncodeToString(plain) {
		t.Fatal("independent code cannot open our $NACL file")
	}
	theirs, _ := hex.DecodeString(res.Theirs)
	kp, err := ParseWallet(theirs, func() (string, error) { return "hunter2 correct", nil })
	if err != nil || kp.Address() != wf.SS58Address {
		t.Fatalf("their $NACL file: %v %v", kp, err)
	}
	if !strings.HasPrefix(string(theirs), "$NACL") {
		t.Fatal("bad prefix")
	}
}

package keys

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flock-off/ff/lib/internal/testenv"
)

// devPhrase is Substrate's public development mnemonic (never a real secret).
const devPhrase = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"

// PolkadotPackages are the npm packages the chain tests compare against
// (one set, so one install serves every package's tests).
var polkadotPackages = []string{"@polkadot/util-crypto@14.0.3", "@polkadot/util@14.0.3", "@polkadot/types@16.5.6"}

func TestSS58RoundTrip(t *testing.T) {
	pub := bytes.Repeat([]byte{0xd4}, 32)
	for _, prefix := range []uint16{0, 2, 42, 63, 64, 255, 1000, 16383} {
		addr := SS58Encode(pub, prefix)
		got, p, err := SS58Decode(addr)
		if err != nil || p != prefix || !bytes.Equal(got, pub) {
			t.Errorf("prefix %d: %s -> %x %d %v", prefix, addr, got, p, err)
		}
	}
	addr := SS58Encode(pub, 42)
	bad := []byte(addr)
	bad[10] ^= 1
	if _, _, err := SS58Decode(string(bad)); err == nil {
		t.Error("corrupted address accepted")
	}
}

// Alice's well-known public key and address.
func TestSS58KnownVector(t *testing.T) {
	pub, _ := hex.DecodeString("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")
	if got := SS58Encode(pub, 42); got != "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY" {
		t.Fatalf("got %s", got)
	}
}

func TestSignVerify(t *testing.T) {
	kp, err := FromMnemonic(devPhrase, "")
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("ff-submit test message")
	sig, err := kp.Sign(msg)
	if err != nil {
		t.Fatal(err)
	}
	pub := kp.PublicKey()
	if !Verify(pub[:], msg, sig[:]) {
		t.Fatal("own signature does not verify")
	}
	if Verify(pub[:], []byte("other"), sig[:]) {
		t.Fatal("signature verifies over another message")
	}
	if s := kp.String(); strings.Contains(s, "bottom") || s != kp.Address() {
		t.Fatalf("String() = %q", s)
	}
}

func TestBadMnemonic(t *testing.T) {
	for _, p := range []string{"", "bottom drive obey", devPhrase[:len(devPhrase)-4] + "wall"} {
		if _, err := FromMnemonic(p, ""); err == nil {
			t.Errorf("%q accepted", p)
		} else if strings.Contains(err.Error(), "bottom") {
			t.Errorf("error repeats the phrase: %v", err)
		}
	}
}

// The key of a fixed mnemonic, and signatures both ways, against
// @polkadot/util-crypto.
func TestAgainstPolkadotUtilCrypto(t *testing.T) {
	dir := testenv.NodeModules(t, polkadotPackages...)
	kp, err := FromMnemonic(devPhrase, "")
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("payload signed by ff and by polkadot-js")
	sig, _ := kp.Sign(msg)
	in, _ := json.Marshal(map[string]string{"phrase": devPhrase, "msg": hex.EncodeToString(msg), "sig": hex.EncodeToString(sig[:])})
	out := testenv.Node(t, dir, `
const { cryptoWaitReady, mnemonicToMiniSecret, sr25519PairFromSeed, sr25519Sign, sr25519Verify, encodeAddress } = require('@polkadot/util-crypto');
const { u8aToHex, hexToU8a } = require('@polkadot/util');
let input = '';
process.stdin.on('data', d => input += d).on('end', async () => {
  await cryptoWaitReady();
  const x = JSON.parse(input);
  const pair = sr25519PairFromSeed(mnemonicToMiniSecret(x.phrase));
  const msg = hexToU8a('0x' + x.msg);
  console.log(JSON.stringify({
    pub: u8aToHex(pair.publicKey),
    address: encodeAddress(pair.publicKey, 42),
    goSigOk: sr25519Verify(msg, hexToU8a('0x' + x.sig), pair.publicKey),
    jsSig: u8aToHex(sr25519Sign(msg, pair)),
  }));
});`, in)
	var js struct {
		Pub, Address, JsSig string
		GoSigOk             bool
	}
	if err := json.Unmarshal(out, &js); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	pub := kp.PublicKey()
	if js.Pub != "0x"+hex.EncodeToString(pub[:]) {
		t.Errorf("public key: polkadot %s, ours %x", js.Pub, pub)
	}
	if js.Address != kp.Address() {
		t.Errorf("address: polkadot %s, ours %s", js.Address, kp.Address())
	}
	if !js.GoSigOk {
		t.Error("polkadot-js does not verify our signature")
	}
	jsSig, _ := hex.DecodeString(strings.TrimPrefix(js.JsSig, "0x"))
	if !Verify(pub[:], msg, jsSig) {
		t.Error("we do not verify polkadot-js's signature")
	}
	t.Logf("address %s verified both ways", kp.Address())
}

func TestWalletFiles(t *testing.T) {
	ms, err := MiniSecretFromMnemonic(devPhrase, "")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := FromMiniSecret(ms)
	wf, err := NewWalletFile(ms, devPhrase)
	if err != nil {
		t.Fatal(err)
	}
	// Each secret form alone gives the same key.
	forms := map[string]WalletFile{
		"seed":    {SecretSeed: wf.SecretSeed},
		"phrase":  {SecretPhrase: wf.SecretPhrase},
		"private": {PrivateKey: wf.PrivateKey},
		"all":     *wf,
	}
	for name, f := range forms {
		kp, err := f.Keypair()
		if err != nil || kp.Address() != want.Address() {
			t.Errorf("%s: %v %v", name, kp, err)
		}
	}
	// A key made from privateKey signs what the mini secret's key verifies.
	kp, _ := (&WalletFile{PrivateKey: wf.PrivateKey}).Keypair()
	sig, _ := kp.Sign([]byte("x"))
	pub := want.PublicKey()
	if !Verify(pub[:], []byte("x"), sig[:]) {
		t.Error("privateKey form signs with another key")
	}

	dir := t.TempDir()
	plain, _ := json.Marshal(wf)
	path := HotkeyPath(dir, "miner", "default")
	os.MkdirAll(filepath.Dir(path), 0o700)
	os.WriteFile(path, plain, 0o644)
	var warnings []string
	got, err := LoadWallet(path, nil, func(s string) { warnings = append(warnings, s) })
	if err != nil || got.Address() != want.Address() {
		t.Fatalf("plain wallet: %v %v", got, err)
	}
	if len(warnings) != 1 {
		t.Errorf("a 0644 key file drew %d warnings", len(warnings))
	}
	for _, w := range warnings {
		if strings.Contains(w, "bottom") || strings.Contains(w, wf.SecretSeed[2:]) {
			t.Error("warning leaks the secret")
		}
	}
}

func TestEncryptedWallet(t *testing.T) {
	// Cheap Argon2 parameters: the format is what is under test here.
	defer func(o, m uint32) { naclOps, naclMemKiB = o, m }(naclOps, naclMemKiB)
	naclOps, naclMemKiB = 1, 64
	ms, _ := MiniSecretFromMnemonic(devPhrase, "")
	wf, _ := NewWalletFile(ms, devPhrase)
	plain, _ := json.Marshal(wf)
	enc := EncryptNACL(plain, "correct horse", [24]byte{1, 2, 3})
	path := filepath.Join(t.TempDir(), "coldkey")
	os.WriteFile(path, enc, 0o600)
	kp, err := LoadWallet(path, func() (string, error) { return "correct horse", nil }, nil)
	if err != nil || kp.Address() != wf.SS58Address {
		t.Fatalf("decrypt: %v %v", kp, err)
	}
	if _, err := LoadWallet(path, func() (string, error) { return "wrong", nil }, nil); err == nil || !strings.Contains(err.Error(), "wrong password") {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := LoadWallet(path, nil, nil); err == nil || !strings.Contains(err.Error(), "--password-env") {
		t.Fatalf("no password: %v", err)
	}
	os.WriteFile(path, []byte("$ANSIBLE_VAULT;1.1;AES256\n3133"), 0o600)
	if _, err := LoadWallet(path, nil, nil); err == nil || !strings.Contains(err.Error(), "legacy") {
		t.Fatalf("legacy: %v", err)
	}
}

// FuzzSS58Decode: arbitrary strings never panic, and what decodes re-encodes.
func FuzzSS58Decode(f *testing.F) {
	f.Add("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY")
	f.Add("")
	f.Add("1111")
	f.Fuzz(func(t *testing.T, s string) {
		pub, prefix, err := SS58Decode(s)
		if err != nil {
			return
		}
		if back := SS58Encode(pub, prefix); back != s {
			t.Fatalf("%q decodes to %x/%d which encodes to %q", s, pub, prefix, back)
		}
	})
}

// FuzzParseWallet: arbitrary key-file bytes never panic.
func FuzzParseWallet(f *testing.F) {
	f.Add([]byte(`{"secretSeed":"0x00"}`))
	f.Add([]byte("$NACL0123"))
	f.Add([]byte(`{"privateKey":"0x` + strings.Repeat("00", 64) + `"}`))
	defer func(o, m uint32) { naclOps, naclMemKiB = o, m }(naclOps, naclMemKiB)
	naclOps, naclMemKiB = 1, 64
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseWallet(b, func() (string, error) { return "x", nil })
	})
}

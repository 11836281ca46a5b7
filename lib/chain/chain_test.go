package chain

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flock-off/ff/lib/internal/testenv"
	"github.com/flock-off/ff/lib/keys"
	"github.com/flock-off/ff/lib/metadata"
)

const devPhrase = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"

func devnet(t testing.TB) *metadata.Metadata {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "testdata", "chain", "metadata-v16-devnet.scale"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := metadata.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Well-known storage key prefixes of every Substrate chain.
func TestStorageKeys(t *testing.T) {
	if got := hex.EncodeToString(Twox128([]byte("System"))); got != "26aa394eea5630e07c48ae0c9558cef7" {
		t.Fatalf("twox128(System) = %s", got)
	}
	m := devnet(t)
	k, err := StorageKey(m, "System", "Events")
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(k); got != "26aa394eea5630e07c48ae0c9558cef780d41e5e16056765bc8461851072c9d7" {
		t.Fatalf("System.Events key %s", got)
	}
	acct := bytes.Repeat([]byte{1}, 32)
	k, err = StorageKey(m, "Commitments", "CommitmentOf", uint16(3), acct)
	if err != nil {
		t.Fatal(err)
	}
	// prefix(32) ‖ netuid identity(2) ‖ twox64(8) ‖ account(32)
	if len(k) != 32+2+8+32 || !bytes.Equal(k[32:34], []byte{3, 0}) || !bytes.Equal(k[42:], acct) {
		t.Fatalf("CommitmentOf key %x", k)
	}
	if _, err := StorageKey(m, "Commitments", "CommitmentOf", uint16(3), acct, 5); err == nil {
		t.Fatal("too many keys accepted")
	}
}

// Era vectors from Substrate's era tests.
func TestEra(t *testing.T) {
	cases := []struct {
		period, current uint64
		enc             string
	}{
		{64, 42, "a502"}, // period 64, phase 42
		{32768, 20000, "4e9c"},
		{4, 0, "0100"},
	}
	for _, c := range cases {
		e := MortalEra(c.period, c.current)
		if got := hex.EncodeToString(e.Encode()); got != c.enc {
			t.Errorf("MortalEra(%d,%d) = %s, want %s", c.period, c.current, got, c.enc)
		}
		b, _ := hex.DecodeString(c.enc)
		d, n, ok := DecodeEra(b)
		if !ok || n != 2 || d.Period != e.Period || d.Phase != e.Phase {
			t.Errorf("DecodeEra(%s) = %+v", c.enc, d)
		}
	}
	if e := MortalEra(64, 1000); e.Birth(1000) > 1000 || e.Birth(1000)+64 <= 1000 {
		t.Errorf("birth %d of block 1000", e.Birth(1000))
	}
	if got := (Era{Immortal: true}).Encode(); !bytes.Equal(got, []byte{0}) {
		t.Errorf("immortal %x", got)
	}
}

// The SDK's conversion: max becomes 65535, half-even rounding, zeros dropped.
func TestNormalizeWeights(t *testing.T) {
	uids, vals, err := NormalizeWeights([]uint16{0, 1, 2, 3}, []float64{0.5, 1, 0, 0.25})
	if err != nil {
		t.Fatal(err)
	}
	if !equal16(uids, []uint16{0, 1, 3}) || !equal16(vals, []uint16{32768, 65535, 16384}) {
		t.Fatalf("got %v %v", uids, vals)
	}
	if u, v, err := NormalizeWeights([]uint16{0}, []float64{0}); err != nil || u != nil || v != nil {
		t.Fatal("all-zero weights should give nothing to send")
	}
	if _, _, err := NormalizeWeights([]uint16{0}, []float64{-1}); err == nil {
		t.Fatal("negative weight accepted")
	}
}

func equal16(a, b []uint16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCommitment(t *testing.T) {
	c := Commitment{Namespace: "alice/sft-data", Competition: "1", Revision: "0123456789abcdef0123456789abcdef01234567"}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	back, err := ParseCommitment(c.String())
	if err != nil || back != c {
		t.Fatalf("%+v %v", back, err)
	}
	if p, _ := ParseCommitment("a/b:1:None"); p.Revision != "main" {
		t.Errorf("None revision reads %q", p.Revision)
	}
	for _, bad := range []Commitment{
		{Namespace: "nobody", Competition: "1", Revision: "abcdefg"},
		{Namespace: "a/b", Competition: "1", Revision: "abc"},
		{Namespace: "a/" + strings.Repeat("x", 130), Competition: "1", Revision: "abcdefg"},
	} {
		if bad.Validate() == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if _, err := SetCommitmentCall(devnet(t), 1, strings.Repeat("x", 129)); err == nil {
		t.Error("129-byte commitment accepted")
	}
}

// Build, decode and verify a signed extrinsic; a long call is signed as its hash.
func TestBuildAndDecodeExtrinsic(t *testing.T) {
	m := devnet(t)
	kp, err := keys.FromMnemonic(devPhrase, "")
	if err != nil {
		t.Fatal(err)
	}
	p := SignParams{Nonce: 5, Tip: 0, Era: MortalEra(64, 1000), SpecVersion: 300, TxVersion: 1}
	p.Genesis[0], p.BlockHash[0] = 0xaa, 0xbb
	short := SetWeightsCall(1, []uint16{0, 1}, []uint16{65535, 100}, 0)
	uids := make([]uint16, 200)
	vals := make([]uint16, 200)
	for i := range uids {
		uids[i], vals[i] = uint16(i), uint16(i+1)
	}
	long := SetWeightsCall(1, uids, vals, 0)
	for _, call := range []*Call{short, long} {
		cb, err := call.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		s, err := BuildSigned(m, cb, kp, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(cb) > 256 && len(s.Payload) != 32 {
			t.Errorf("payload of a %d-byte call is %d bytes, want its 32-byte hash", len(cb), len(s.Payload))
		}
		x, err := DecodeExtrinsic(m, s.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		if x.Nonce != 5 || x.Era != p.Era || x.Call.FullName() != "SubtensorModule.set_weights" || !bytes.Equal(x.CallBytes, cb) {
			t.Fatalf("decoded %+v", x)
		}
		im, _ := Implicit(m, p)
		if !x.VerifySignature(im) {
			t.Fatal("signature does not verify")
		}
		p2 := p
		p2.SpecVersion++
		im2, _ := Implicit(m, p2)
		if x.VerifySignature(im2) {
			t.Fatal("signature verifies under another spec version")
		}
	}
}

func TestCommitHashLayout(t *testing.T) {
	var acct [32]byte
	h1 := CommitHash(acct, 1, []uint16{0}, []uint16{1}, []uint16{2}, 3)
	h2 := CommitHash(acct, 1, []uint16{0}, []uint16{1}, []uint16{2}, 4)
	if h1 == h2 {
		t.Fatal("version key does not enter the hash")
	}
}

// FuzzDecodeExtrinsic: arbitrary bytes never panic the extrinsic decoder,
// and what decodes re-encodes its call to the same bytes.
func FuzzDecodeExtrinsic(f *testing.F) {
	m := devnet(f)
	kp, _ := keys.FromMnemonic(devPhrase, "")
	for _, call := range []*Call{SetWeightsCall(1, []uint16{0}, []uint16{1}, 0), CommitWeightsCall(2, [32]byte{1})} {
		cb, _ := call.Encode(m)
		s, err := BuildSigned(m, cb, kp, SignParams{Era: MortalEra(64, 100)})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(s.Bytes)
	}
	f.Add([]byte{0x04, 0x84, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := DecodeExtrinsic(m, b)
		if err != nil {
			return
		}
		cb, err := x.Call.Encode(m)
		if err != nil || !bytes.Equal(cb, x.CallBytes) {
			t.Fatalf("call %s re-encodes to %x (%v), was %x", x.Call.FullName(), cb, err, x.CallBytes)
		}
	})
}

// FuzzDecodeEra: no panics; what decodes re-encodes identically.
func FuzzDecodeEra(f *testing.F) {
	f.Add([]byte{0})
	f.Add([]byte{0xa5, 0x02})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, n, ok := DecodeEra(b)
		if ok && !bytes.Equal(e.Encode(), b[:n]) {
			t.Fatalf("%x decodes to %+v which encodes to %x", b[:n], e, e.Encode())
		}
	})
}

package chain

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/flock-off/ff/lib/internal/testenv"
	"github.com/flock-off/ff/lib/keys"
	"github.com/flock-off/ff/lib/metadata"
)

// BenchmarkDecodeMetadata: what every online command pays once at start.
func BenchmarkDecodeMetadata(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(b), "testdata", "chain", "metadata-v16-devnet.scale"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := metadata.Decode(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildSigned: encode a 256-uid set_weights call and sign it.
func BenchmarkBuildSigned(b *testing.B) {
	m := devnet(b)
	kp, _ := keys.FromMnemonic(devPhrase, "")
	uids := make([]uint16, 256)
	vals := make([]uint16, 256)
	for i := range uids {
		uids[i], vals[i] = uint16(i), uint16(i*7)
	}
	call := SetWeightsCall(1, uids, vals, 0)
	for b.Loop() {
		cb, err := call.Encode(m)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := BuildSigned(m, cb, kp, SignParams{Era: MortalEra(64, 1000)}); err != nil {
			b.Fatal(err)
		}
	}
}

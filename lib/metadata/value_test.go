package metadata

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/flock-off/ff/lib/internal/testenv"
	"github.com/flock-off/ff/lib/scale"
)

// Encoding the devnet's set_weights arguments by their metadata types gives
// the layout REFERENCE.md describes, and decoding gives the values back.
func TestCallArgsRoundTrip(t *testing.T) {
	m := loadShared(t, "metadata-v16-devnet.scale")
	_, v, err := m.Call("SubtensorModule", "set_weights")
	if err != nil {
		t.Fatal(err)
	}
	args := []any{uint16(3), []uint16{0, 5}, []uint16{65535, 100}, uint64(7)}
	var e scale.Encoder
	for i, f := range v.Fields {
		if err := m.Types.Encode(&e, f.Type, args[i]); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
	}
	want := "0300" + "08" + "0000" + "0500" + "08" + "ffff" + "6400" + "0700000000000000"
	if got := hex.EncodeToString(e.B); got != want {
		t.Fatalf("got %s want %s", got, want)
	}
	d := scale.NewDecoder(e.B)
	var got []any
	for _, f := range v.Fields {
		got = append(got, m.Types.DecodeValue(d, f.Type))
	}
	js, _ := json.Marshal(got)
	if string(js) != `[3,[0,5],[65535,100],7]` {
		t.Fatalf("decoded %s", js)
	}
}

func TestCommitmentInfoEncoding(t *testing.T) {
	m := loadShared(t, "metadata-v16-devnet.scale")
	_, v, err := m.Call("Commitments", "set_commitment")
	if err != nil {
		t.Fatal(err)
	}
	info := Object{{"fields", []any{VariantValue{Name: "Raw5", Value: []byte("hello")}}}}
	b, err := m.Types.EncodeToBytes(v.Fields[1].Type, info)
	if err != nil {
		t.Fatal(err)
	}
	// one field, Data tag 1+5, the bytes
	if want := "04" + "06" + hex.EncodeToString([]byte("hello")); hex.EncodeToString(b) != want {
		t.Fatalf("got %x want %s", b, want)
	}
	back, err := m.Types.Decode(b, v.Fields[1].Type)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(back)
	if string(js) != `{"fields":[{"Raw5":"0x68656c6c6f"}]}` {
		t.Fatalf("decoded %s", js)
	}
}

func TestOptionEncoding(t *testing.T) {
	m := loadShared(t, "metadata-v16-devnet.scale")
	var opt uint32
	found := false
	for id := 0; id < m.Types.Len() && !found; id++ {
		ty, _ := m.Types.Type(uint32(id))
		if len(ty.Path) == 1 && ty.Path[0] == "Option" && len(ty.Variants) == 2 {
			inner, _ := m.Types.Type(ty.Variants[1].Fields[0].Type)
			if inner.Kind == Primitive && inner.Prim == U32 {
				opt, found = uint32(id), true
			}
		}
	}
	if !found {
		t.Skip("no Option<u32> in this metadata")
	}
	none, _ := m.Types.EncodeToBytes(opt, nil)
	some, _ := m.Types.EncodeToBytes(opt, 5)
	if !bytes.Equal(none, []byte{0}) || !bytes.Equal(some, []byte{1, 5, 0, 0, 0}) {
		t.Fatalf("None %x Some %x", none, some)
	}
}

// FuzzMetadata feeds arbitrary bytes (seeded with the real fixtures and
// truncations of them) to Decode: errors are fine, panics are not.
func FuzzMetadata(f *testing.F) {
	f.Add([]byte("meta\x0e"))
	f.Add([]byte("meta\x10\x04\x00\x00\x00\x05\x03\x00"))
	// Seeds from ../shared when present (a user's clone has only the bundled copy).
	root := filepath.Join(testenv.RepoRoot(f), "..", "shared", "subtensor")
	if dir := os.Getenv("FF_SHARED"); dir != "" {
		root = filepath.Join(dir, "subtensor")
	}
	for _, p := range []string{filepath.Join(root, "metadata-v14.scale"), filepath.Join(root, "metadata-v15.scale"),
		filepath.Join(testenv.RepoRoot(f), "testdata", "chain", "metadata-v16-devnet.scale")} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
			f.Add(b[:len(b)/2])
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			return
		}
		for _, p := range m.Pallets {
			for _, s := range p.Storage {
				m.Types.Decode(s.Default, s.Value)
			}
			for _, c := range p.Constants {
				m.Types.Decode(c.Value, c.Type)
			}
		}
	})
}

// FuzzValue decodes arbitrary bytes as the devnet's call enum and
// re-encodes what decodes: no panics, and the round trip is exact.
func FuzzValue(f *testing.F) {
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(f), "testdata", "chain", "metadata-v16-devnet.scale"))
	if err != nil {
		f.Skip("bundled devnet metadata missing: ", err)
	}
	m, err := Decode(b)
	if err != nil {
		f.Fatal(err)
	}
	call := uint32(m.Extrinsic.CallType)
	f.Add([]byte{7, 0, 3, 0, 4, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{18, 0, 1, 0, 4, 6, 'h', 'e', 'l', 'l', 'o'})
	f.Add([]byte{0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		v, err := m.Types.Decode(in, call)
		if err != nil {
			return
		}
		out, err := m.Types.EncodeToBytes(call, v)
		if err != nil {
			t.Fatalf("decoded %x but cannot re-encode: %v", in, err)
		}
		if !bytes.Equal(in, out) {
			t.Fatalf("round trip %x -> %x", in, out)
		}
	})
}

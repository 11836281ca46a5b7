package safetensors

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRoundTripF32AndBF16(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	a := []float32{1, -2.5, 3.25, 0, 1e-3, 65504}
	b := []float32{1, 0.5, -7, 3.140625}
	err := WriteFile(path, []Tensor{
		{Name: "b", DType: BF16, Shape: []int{2, 2}, Data: b},
		{Name: "a", DType: F32, Shape: []int{2, 3}, Data: a},
	}, map[string]string{"format": "pt"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Metadata["format"] != "pt" {
		t.Errorf("metadata = %v", f.Metadata)
	}
	got, err := f.Float32("a")
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if got[i] != a[i] {
			t.Errorf("a[%d] = %v, want %v", i, got[i], a[i])
		}
	}
	got, _ = f.Float32("b") // all exactly representable in bfloat16
	for i := range b {
		if got[i] != b[i] {
			t.Errorf("b[%d] = %v, want %v", i, got[i], b[i])
		}
	}
	if info, _ := f.Info("b"); info.DType != BF16 || info.Elems() != 4 {
		t.Errorf("info(b) = %+v", info)
	}
	if _, err := f.Float32("missing"); err == nil {
		t.Error("missing tensor: no error")
	}
	f.Release("a")
}

func TestConversions(t *testing.T) {
	tests := []struct {
		half uint16
		want float32
	}{
		{0x3c00, 1}, {0xc000, -2}, {0x7bff, 65504}, {0x0001, 5.9604645e-08}, {0x3555, 0.33325195}, {0x8000, float32(math.Copysign(0, -1))},
	}
	for _, tt := range tests {
		if got := HalfToFloat32(tt.half); got != tt.want {
			t.Errorf("HalfToFloat32(%#x) = %v, want %v", tt.half, got, tt.want)
		}
	}
	if !math.IsInf(float64(HalfToFloat32(0x7c00)), 1) || !math.IsNaN(float64(HalfToFloat32(0x7e00))) {
		t.Error("half inf/nan")
	}
	bf := []struct {
		f    float32
		want uint16
	}{
		{1, 0x3f80}, {1.00390625, 0x3f80}, {1.01171875, 0x3f82}, {-2, 0xc000}, {3.0078125, 0x4040},
	}
	for _, tt := range bf {
		if got := Float32ToBF16(tt.f); got != tt.want {
			t.Errorf("Float32ToBF16(%v) = %#x, want %#x", tt.f, got, tt.want)
		}
	}
}

func header(js string, data int) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(js)))
	b.WriteString(js)
	b.Write(make([]byte, data))
	return b.Bytes()
}

func TestBadFiles(t *testing.T) {
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "truncated"},
		{"short length", []byte{1, 2, 3}, "truncated"},
		{"huge header", header("", 0)[:0], "truncated"},
		{"length past end", append([]byte{200, 0, 0, 0, 0, 0, 0, 0}, "{}"...), "bad header length"},
		{"bad json", header("{nope", 0), "bad header JSON"},
		{"offsets past end", header(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 4), "outside"},
		{"shape mismatch", header(`{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, 8), "needs 12 bytes"},
		{"negative dim", header(`{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, 8), "bad shape"},
		{"bad entry", header(`{"w":[1,2]}`, 0), "bad entry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.file, "x.safetensors")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), "x.safetensors") {
				t.Errorf("err = %v does not name the file", err)
			}
		})
	}
	// A real file cut short must fail to open, naming the file.
	dir := t.TempDir()
	path := filepath.Join(dir, "cut.safetensors")
	var b bytes.Buffer
	Write(&b, []Tensor{{Name: "w", Shape: []int{100}, Data: make([]float32, 100)}}, nil)
	os.WriteFile(path, b.Bytes()[:b.Len()-10], 0o644)
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "cut.safetensors") {
		t.Fatalf("truncated file: err = %v", err)
	}
}

func TestUnsupportedDType(t *testing.T) {
	f, err := Parse(header(`{"w":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}`, 8), "i.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Float32("w"); err == nil || !strings.Contains(err.Error(), "unsupported dtype") {
		t.Fatalf("err = %v", err)
	}
}

func FuzzParse(f *testing.F) {
	var b bytes.Buffer
	Write(&b, []Tensor{{Name: "w", Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}}, {Name: "h", DType: BF16, Shape: []int{3}, Data: []float32{1, 2, 3}}}, map[string]string{"k": "v"})
	f.Add(b.Bytes())
	f.Add(header(`{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, 4))
	f.Add(header(`{"w":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}`, 0))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		sf, err := Parse(data, "fuzz")
		if err != nil {
			return
		}
		for _, ti := range sf.Tensors() {
			if ti.Elems() > 1<<20 {
				continue
			}
			sf.Float32(ti.Name) // must not panic; unsupported dtypes are errors
		}
	})
}

// Float32ToHalf inverts HalfToFloat32 on every half value and rounds
// everything else to the nearest one.
func TestFloat32ToHalf(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := HalfToFloat32(uint16(h))
		if math.IsNaN(float64(f)) {
			if g := HalfToFloat32(Float32ToHalf(f)); !math.IsNaN(float64(g)) {
				t.Fatalf("NaN %#x lost", h)
			}
			continue
		}
		if got := Float32ToHalf(f); got != uint16(h) {
			t.Fatalf("Float32ToHalf(%v) = %#x, want %#x", f, got, h)
		}
	}
	tests := []struct {
		f    float32
		want uint16
	}{
		{1 + 1.0/2048, 0x3c00},   // tie, to even
		{1 + 3.0/2048, 0x3c02},   // tie, to even (up)
		{65520, 0x7c00},          // rounds past the largest half
		{1e-8, 0x0000},           // below half the smallest subnormal
		{3e-8, 0x0001},           // nearest subnormal
		{-2.9802322e-08, 0x8000}, // exactly half the smallest subnormal: to even (zero)
	}
	for _, tt := range tests {
		if got := Float32ToHalf(tt.f); got != tt.want {
			t.Errorf("Float32ToHalf(%v) = %#x, want %#x", tt.f, got, tt.want)
		}
	}
}

// Package safetensors reads and writes the Hugging Face safetensors format:
// an 8-byte little-endian header length, a JSON header mapping tensor names
// to {dtype, shape, data_offsets}, then the raw little-endian tensor bytes.
// Files are memory-mapped for reading; F32, BF16 and F16 tensors are
// converted to float32 once, on request.
package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"sort"
)

// DType is a tensor element type as spelled in the header.
type DType string

// The element types this package converts.
const (
	F32  DType = "F32"
	BF16 DType = "BF16"
	F16  DType = "F16"
)

// Size is the element size in bytes, 0 for a type this package cannot convert.
func (d DType) Size() int {
	switch d {
	case F32:
		return 4
	case BF16, F16:
		return 2
	}
	return 0
}

// Info describes one tensor in a file.
type Info struct {
	Name  string
	DType DType
	Shape []int
	Begin int // byte offsets inside the data section
	End   int
}

// Elems is the number of elements (the product of the shape).
func (t Info) Elems() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// maxHeader bounds the JSON header; real headers are far smaller.
const maxHeader = 100 << 20

// parseHeader validates the header of a file whose total size is size and
// returns the tensors sorted by offset, the metadata and where data starts.
func parseHeader(prefix []byte, size int64, name string) ([]Info, map[string]string, int64, error) {
	if size < 8 || len(prefix) < 8 {
		return nil, nil, 0, fmt.Errorf("%s: truncated: %d bytes, need at least 8 for the header length", name, size)
	}
	n := binary.LittleEndian.Uint64(prefix[:8])
	if n > maxHeader || int64(n) > size-8 {
		return nil, nil, 0, fmt.Errorf("%s: bad header length %d for a file of %d bytes (truncated or not safetensors)", name, n, size)
	}
	if int64(len(prefix)) < 8+int64(n) {
		return nil, nil, 0, fmt.Errorf("%s: truncated header", name)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(prefix[8:8+n], &raw); err != nil {
		return nil, nil, 0, fmt.Errorf("%s: bad header JSON: %v", name, err)
	}
	dataStart := int64(8 + n)
	dataLen := size - dataStart
	var meta map[string]string
	var infos []Info
	for k, v := range raw {
		if k == "__metadata__" {
			if err := json.Unmarshal(v, &meta); err != nil {
				return nil, nil, 0, fmt.Errorf("%s: bad __metadata__: %v", name, err)
			}
			continue
		}
		var e struct {
			DType   DType   `json:"dtype"`
			Shape   []int   `json:"shape"`
			Offsets []int64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, nil, 0, fmt.Errorf("%s: tensor %q: bad entry: %v", name, k, err)
		}
		if len(e.Offsets) != 2 || e.Offsets[0] < 0 || e.Offsets[1] < e.Offsets[0] || e.Offsets[1] > dataLen {
			return nil, nil, 0, fmt.Errorf("%s: tensor %q: data_offsets %v outside the %d data bytes (truncated file?)", name, k, e.Offsets, dataLen)
		}
		elems := int64(1)
		for _, d := range e.Shape {
			if d < 0 || (d > 0 && elems > math.MaxInt32*int64(64)/int64(d)) {
				return nil, nil, 0, fmt.Errorf("%s: tensor %q: bad shape %v", name, k, e.Shape)
			}
			elems *= int64(d)
		}
		if sz := e.DType.Size(); sz > 0 && elems*int64(sz) != e.Offsets[1]-e.Offsets[0] {
			return nil, nil, 0, fmt.Errorf("%s: tensor %q: shape %v of %s needs %d bytes, offsets give %d", name, k, e.Shape, e.DType, elems*int64(sz), e.Offsets[1]-e.Offsets[0])
		}
		infos = append(infos, Info{Name: k, DType: e.DType, Shape: e.Shape, Begin: int(e.Offsets[0]), End: int(e.Offsets[1])})
	}
	sort.Slice(infos, func(i, j int) bool {
		if infos[i].Begin != infos[j].Begin {
			return infos[i].Begin < infos[j].Begin
		}
		return infos[i].Name < infos[j].Name
	})
	return infos, meta, dataStart, nil
}

// convert decodes raw little-endian elements of type dt into dst.
func convert(dst []float32, raw []byte, dt DType) error {
	switch dt {
	case F32:
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	case BF16:
		for i := range dst {
			dst[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(raw[2*i:])) << 16)
		}
	case F16:
		for i := range dst {
			dst[i] = HalfToFloat32(binary.LittleEndian.Uint16(raw[2*i:]))
		}
	default:
		return fmt.Errorf("unsupported dtype %q (want F32, BF16 or F16)", dt)
	}
	return nil
}

// HalfToFloat32 converts an IEEE 754 binary16 value.
func HalfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp == 0:
		if mant == 0 {
			return math.Float32frombits(sign)
		}
		// Subnormal: value is mant * 2^-24.
		f := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			f = -f
		}
		return f
	}
	return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
}

// Float32ToBF16 rounds to nearest even, as torch's .to(torch.bfloat16) does.
func Float32ToBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 { // NaN stays a quiet NaN
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}

// Float32ToHalf rounds to the nearest IEEE 754 binary16 value (ties to
// even), overflowing to infinity and keeping subnormals, as torch's
// .to(torch.float16) does.
func Float32ToHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	mant := b & 0x7fffff
	switch {
	case exp == 0xff: // inf or NaN
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp-127 > 15:
		return sign | 0x7c00
	case exp-127 >= -14: // normal half
		h := uint32(exp-127+15)<<10 | mant>>13
		rest := mant & 0x1fff
		if rest > 0x1000 || (rest == 0x1000 && h&1 == 1) {
			h++ // may carry into the exponent, up to infinity: still correct
		}
		return sign | uint16(h)
	case exp-127 >= -25: // subnormal half: value = m · 2^-24
		m := mant | 0x800000
		shift := uint32(-14-(exp-127)) + 13
		h := m >> shift
		rest := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rest > half || (rest == half && h&1 == 1) {
			h++
		}
		return sign | uint16(h)
	}
	return sign
}

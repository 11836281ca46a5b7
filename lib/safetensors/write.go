package safetensors

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
)

// Tensor is one float32 tensor to write, stored as DType (F32, BF16 or F16).
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []float32
}

// Write writes tensors (sorted by name, as the Python library does) with
// optional metadata.
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	ts := append([]Tensor(nil), tensors...)
	sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
	header := map[string]any{}
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	off := 0
	for _, t := range ts {
		if t.DType == "" {
			t.DType = F32
		}
		n := 1
		for _, d := range t.Shape {
			n *= d
		}
		if n != len(t.Data) {
			return fmt.Errorf("safetensors: tensor %q: shape %v needs %d elements, have %d", t.Name, t.Shape, n, len(t.Data))
		}
		if t.DType != F32 && t.DType != BF16 && t.DType != F16 {
			return fmt.Errorf("safetensors: tensor %q: cannot write dtype %s", t.Name, t.DType)
		}
		size := n * t.DType.Size()
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[t.Name] = map[string]any{"dtype": t.DType, "shape": shape, "data_offsets": []int{off, off + size}}
		off += size
	}
	hb, err := json.Marshal(header)
	if err != nil {
		return err
	}
	// Pad the header with spaces so the data starts 8-byte aligned.
	for (8+len(hb))%8 != 0 {
		hb = append(hb, ' ')
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var lenb [8]byte
	binary.LittleEndian.PutUint64(lenb[:], uint64(len(hb)))
	bw.Write(lenb[:])
	bw.Write(hb)
	var b4 [4]byte
	for _, t := range ts {
		switch t.DType {
		case BF16:
			for _, v := range t.Data {
				binary.LittleEndian.PutUint16(b4[:2], Float32ToBF16(v))
				bw.Write(b4[:2])
			}
		case F16:
			for _, v := range t.Data {
				binary.LittleEndian.PutUint16(b4[:2], Float32ToHalf(v))
				bw.Write(b4[:2])
			}
		default:
			for _, v := range t.Data {
				binary.LittleEndian.PutUint32(b4[:], math.Float32bits(v))
				bw.Write(b4[:])
			}
		}
	}
	return bw.Flush()
}

// WriteFile writes tensors to path atomically (a temporary file renamed on success).
func WriteFile(path string, tensors []Tensor, metadata map[string]string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := Write(tmp, tensors, metadata); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %v", path, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

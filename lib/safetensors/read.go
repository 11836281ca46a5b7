package safetensors

import (
	"fmt"
	"os"
)

// File is an open safetensors file whose data is memory-mapped.
type File struct {
	Path     string
	Metadata map[string]string
	tensors  []Info
	byName   map[string]int
	data     []byte // the data section (inside the mapping)
	mapping  []byte
}

// Open maps path and parses its header. Truncated files and malformed
// headers are errors naming the file, never panics.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	if size < 8 {
		return nil, fmt.Errorf("%s: truncated: %d bytes, need at least 8 for the header length", path, size)
	}
	m, err := mmapFile(f, size)
	if err != nil {
		return nil, fmt.Errorf("%s: mmap: %v", path, err)
	}
	sf, err := parse(m, path)
	if err != nil {
		munmap(m)
		return nil, err
	}
	sf.mapping = m
	return sf, nil
}

// Parse reads a whole safetensors file held in memory (no mapping).
func Parse(b []byte, name string) (*File, error) { return parse(b, name) }

func parse(b []byte, name string) (*File, error) {
	infos, meta, start, err := parseHeader(b, int64(len(b)), name)
	if err != nil {
		return nil, err
	}
	f := &File{Path: name, Metadata: meta, tensors: infos, byName: map[string]int{}, data: b[start:]}
	for i, t := range infos {
		f.byName[t.Name] = i
	}
	return f, nil
}

// Tensors lists the tensors in file order.
func (f *File) Tensors() []Info { return f.tensors }

// Info returns the tensor called name.
func (f *File) Info(name string) (Info, bool) {
	i, ok := f.byName[name]
	if !ok {
		return Info{}, false
	}
	return f.tensors[i], true
}

// Float32 converts the tensor called name into a new float32 slice.
func (f *File) Float32(name string) ([]float32, error) {
	t, ok := f.Info(name)
	if !ok {
		return nil, fmt.Errorf("%s: no tensor %q", f.Path, name)
	}
	if t.DType.Size() == 0 {
		return nil, fmt.Errorf("%s: tensor %q: unsupported dtype %q (want F32, BF16 or F16)", f.Path, name, t.DType)
	}
	dst := make([]float32, t.Elems())
	return dst, f.Float32Into(name, dst)
}

// Float32Into converts the tensor called name into dst, which must have
// exactly its number of elements.
func (f *File) Float32Into(name string, dst []float32) error {
	t, ok := f.Info(name)
	if !ok {
		return fmt.Errorf("%s: no tensor %q", f.Path, name)
	}
	if t.Elems() != len(dst) {
		return fmt.Errorf("%s: tensor %q has %d elements (shape %v), want %d", f.Path, name, t.Elems(), t.Shape, len(dst))
	}
	if err := convert(dst, f.data[t.Begin:t.End], t.DType); err != nil {
		return fmt.Errorf("%s: tensor %q: %v", f.Path, name, err)
	}
	return nil
}

// Release tells the kernel the mapped pages of a converted tensor are no
// longer needed, so loading a model does not hold the file and its float32
// copy in memory at once.
func (f *File) Release(name string) {
	if t, ok := f.Info(name); ok && f.mapping != nil {
		dontNeed(f.data[t.Begin:t.End])
	}
}

// Close unmaps the file. Slices returned earlier stay valid (they are copies).
func (f *File) Close() error {
	if f.mapping == nil {
		return nil
	}
	m := f.mapping
	f.mapping, f.data = nil, nil
	return munmap(m)
}

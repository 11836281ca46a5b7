package dedup

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// A signature file is what `ff-dedup signatures` writes and every later
// stage reads: a magic line, one JSON line of settings, then one binary entry
// per row of the shard, then an end entry holding the count.
//
//	entry: id u64 | file u32 | line u64 | exact 2×u64 | len u32 | keep f64 |
//	       flags u8 | n u32 | band keys B×u64 | fingerprints n×u32   (little endian)
//
// The band keys stand for the signature (every later stage needs only
// them); the fingerprints are the top halves of the shingle hashes in text
// order, made a set only when a pair is verified.
const sigMagic = "ff-dedup signatures v2\n"

const entryFixed = 8 + 4 + 8 + 16 + 4 + 8 + 1 + 4

const endID = math.MaxUint64

// sigHeader is the settings line.
type sigHeader struct {
	Params
	Shard  int      `json:"shard"`
	Shards int      `json:"shards"`
	Inputs []string `json:"inputs"`
	// Datasets[i] is the dataset of Inputs[i] (0 unless --against or overlap).
	Datasets []int32 `json:"datasets,omitempty"`
}

func writeSigHeader(w io.Writer, h sigHeader) (int64, error) {
	b, err := json.Marshal(h)
	if err != nil {
		return 0, err
	}
	n, err := fmt.Fprintf(w, "%s%s\n", sigMagic, b)
	return int64(n), err
}

// appendEntry encodes one row with its band keys and fingerprints.
func appendEntry(dst []byte, id uint64, r *Row, keys []uint64, fps []uint32) []byte {
	le := binary.LittleEndian
	dst = le.AppendUint64(dst, id)
	dst = le.AppendUint32(dst, uint32(r.File))
	dst = le.AppendUint64(dst, uint64(r.Line))
	dst = le.AppendUint64(dst, r.Exact[0])
	dst = le.AppendUint64(dst, r.Exact[1])
	dst = le.AppendUint32(dst, uint32(r.Len))
	dst = le.AppendUint64(dst, math.Float64bits(r.Keep))
	dst = append(dst, r.Flags)
	dst = le.AppendUint32(dst, uint32(len(fps)))
	for _, v := range keys {
		dst = le.AppendUint64(dst, v)
	}
	for _, v := range fps {
		dst = le.AppendUint32(dst, v)
	}
	return dst
}

func appendEnd(dst []byte, count uint64) []byte {
	dst = binary.LittleEndian.AppendUint64(dst, endID)
	return binary.LittleEndian.AppendUint64(dst, count)
}

// sigReader reads a signature file entry by entry.
type sigReader struct {
	name   string
	f      *os.File
	br     *bufio.Reader
	off    int64
	head   sigHeader
	nb     int
	count  uint64
	keys   []uint64
	fixed  [entryFixed]byte
	closed bool
}

func openSig(name string) (*sigReader, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(f, 1<<20)
	magic := make([]byte, len(sigMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != sigMagic {
		f.Close()
		return nil, fmt.Errorf("%s: not an ff-dedup signature file", name)
	}
	line, err := br.ReadBytes('\n')
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: settings line: %w", name, err)
	}
	s := &sigReader{name: name, f: f, br: br, off: int64(len(sigMagic) + len(line))}
	if err := json.Unmarshal(line, &s.head); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: settings line: %w", name, err)
	}
	if err := s.head.Params.Validate(); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	s.nb = s.head.Bands
	s.keys = make([]uint64, s.nb)
	return s, nil
}

// next reads one entry: its id and row (Set.Off is the fingerprints'
// offset in this file) and its band keys (valid until the next call). The
// fingerprints are skipped. io.EOF comes after the end entry; a file cut
// short is an error.
func (s *sigReader) next() (uint64, Row, []uint64, error) {
	le := binary.LittleEndian
	if _, err := io.ReadFull(s.br, s.fixed[:8]); err != nil {
		return 0, Row{}, nil, s.truncated(err)
	}
	id := le.Uint64(s.fixed[:8])
	if id == endID {
		if _, err := io.ReadFull(s.br, s.fixed[:8]); err != nil {
			return 0, Row{}, nil, s.truncated(err)
		}
		if n := le.Uint64(s.fixed[:8]); n != s.count {
			return 0, Row{}, nil, fmt.Errorf("%s: end entry counts %d rows, read %d", s.name, n, s.count)
		}
		return 0, Row{}, nil, io.EOF
	}
	b := s.fixed[8:]
	if _, err := io.ReadFull(s.br, b); err != nil {
		return 0, Row{}, nil, s.truncated(err)
	}
	r := Row{
		File:  int32(le.Uint32(b[0:])),
		Line:  int64(le.Uint64(b[4:])),
		Exact: [2]uint64{le.Uint64(b[12:]), le.Uint64(b[20:])},
		Len:   int32(le.Uint32(b[28:])),
		Keep:  math.Float64frombits(le.Uint64(b[32:])),
		Flags: b[40],
	}
	n := le.Uint32(b[41:])
	var kb [8]byte
	for i := range s.keys {
		if _, err := io.ReadFull(s.br, kb[:]); err != nil {
			return 0, Row{}, nil, s.truncated(err)
		}
		s.keys[i] = le.Uint64(kb[:])
	}
	r.Set = setRef{N: int32(n), Off: s.off + entryFixed + int64(8*s.nb)}
	if _, err := s.br.Discard(int(4 * n)); err != nil {
		return 0, Row{}, nil, s.truncated(err)
	}
	if int(r.File) >= len(s.head.Inputs) {
		return 0, Row{}, nil, fmt.Errorf("%s: entry %d names input %d of %d", s.name, id, r.File, len(s.head.Inputs))
	}
	s.off += entryFixed + int64(8*s.nb) + int64(4*n)
	s.count++
	return id, r, s.keys, nil
}

func (s *sigReader) truncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: cut short after %d rows (no end entry)", s.name, s.count)
	}
	return fmt.Errorf("%s: %w", s.name, err)
}

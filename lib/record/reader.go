package record

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Reader yields rows one at a time. Next returns io.EOF at the end. A
// malformed row comes back as a *RowError and the reader goes on with the
// next row; any other error is fatal.
type Reader interface {
	Next() (*Record, error)
	Close() error
}

// RowError is one malformed row: its source, its original bytes and why.
type RowError struct {
	Source Source
	Raw    []byte
	Err    error
}

func (e *RowError) Error() string { return e.Source.String() + ": " + e.Err.Error() }
func (e *RowError) Unwrap() error { return e.Err }

// StdinName is the file name rows read from standard input carry.
const StdinName = "stdin"

// Resolver turns a URI of a registered scheme (hf://…) into a local file path.
type Resolver func(ctx context.Context, uri string) (string, error)

var (
	schemesMu sync.RWMutex
	schemes   = map[string]Resolver{}
)

// RegisterScheme makes Open accept paths starting with prefix (e.g. "hf://").
func RegisterScheme(prefix string, r Resolver) {
	schemesMu.Lock()
	schemes[prefix] = r
	schemesMu.Unlock()
}

// ResolvePath maps a registered-scheme URI to a local file; other paths are
// returned unchanged.
func ResolvePath(ctx context.Context, path string) (string, error) {
	schemesMu.RLock()
	defer schemesMu.RUnlock()
	for prefix, r := range schemes {
		if strings.HasPrefix(path, prefix) {
			return r(ctx, path)
		}
	}
	if strings.Contains(path, "://") {
		return "", fmt.Errorf("%s: unsupported URI scheme (supported: local paths%s)", path, schemeList())
	}
	return path, nil
}

func schemeList() string {
	var s string
	for p := range schemes {
		s += ", " + p
	}
	return s
}

// Open opens an input for reading rows: "" or "-" is stdin, a registered
// scheme is resolved to a local file, gzip and zstd are decompressed
// (recognized by their magic bytes), and Parquet is recognized by "PAR1".
// The source name in errors is the path as given.
func Open(ctx context.Context, path string, stdin io.Reader) (Reader, error) {
	name := path
	var rc io.ReadCloser
	if path == "" || path == "-" {
		name = StdinName
		rc = io.NopCloser(stdin)
	} else {
		local, err := ResolvePath(ctx, path)
		if err != nil {
			return nil, err
		}
		f, err := os.Open(local)
		if err != nil {
			return nil, err
		}
		rc = f
	}
	return NewReader(rc, name)
}

// NewReader sniffs rc's content (compression, Parquet or JSONL) and returns
// a Reader that closes rc when closed.
func NewReader(rc io.ReadCloser, name string) (Reader, error) {
	br := bufio.NewReaderSize(rc, 1<<16)
	head, _ := br.Peek(4)
	switch {
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		gz, err := gzip.NewReader(br)
		if err != nil {
			rc.Close()
			return nil, fmt.Errorf("%s: gzip: %w", name, err)
		}
		return NewReader(multiCloser{gz, rc}, name)
	case bytes.Equal(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(br)
		if err != nil {
			rc.Close()
			return nil, fmt.Errorf("%s: zstd: %w", name, err)
		}
		return NewReader(multiCloser{zr.IOReadCloser(), rc}, name)
	case string(head) == "PAR1":
		return openParquet(br, rc, name)
	}
	return newJSONLReader(br, rc, name), nil
}

type multiCloser struct {
	io.Reader
	under io.Closer
}

func (m multiCloser) Close() error {
	if c, ok := m.Reader.(io.Closer); ok {
		c.Close()
	}
	return m.under.Close()
}

// openParquet needs random access: a plain file is used as it is, anything
// else (stdin, a decompressed stream) is spooled to a temporary file first.
func openParquet(br *bufio.Reader, rc io.ReadCloser, name string) (Reader, error) {
	if f, ok := rc.(*os.File); ok {
		if _, err := f.Seek(0, io.SeekStart); err == nil {
			st, err := f.Stat()
			if err != nil {
				f.Close()
				return nil, err
			}
			return newParquetReader(f, st.Size(), f, name)
		}
	}
	tmp, err := os.CreateTemp("", "ff-parquet-*")
	if err != nil {
		rc.Close()
		return nil, err
	}
	os.Remove(tmp.Name()) // unlinked: vanishes when closed, even on a crash
	n, err := io.Copy(tmp, br)
	rc.Close()
	if err != nil {
		tmp.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return newParquetReader(tmp, n, tmp, name)
}

// jsonlReader reads newline-delimited JSON objects. Lines are carved out of
// large shared blocks so a row costs no copy; a block lives as long as any
// record that points into it.
type jsonlReader struct {
	r     io.Reader
	c     io.Closer
	name  string
	line  int64
	buf   []byte // current block
	pos   int    // start of unread data in buf
	end   int    // end of valid data in buf
	eof   bool
	first bool
}

const blockSize = 1 << 20

func newJSONLReader(r io.Reader, c io.Closer, name string) *jsonlReader {
	return &jsonlReader{r: r, c: c, name: name, first: true}
}

func (j *jsonlReader) Close() error { return j.c.Close() }

// nextLine returns the next line without its terminator, or io.EOF.
func (j *jsonlReader) nextLine() ([]byte, error) {
	for {
		if i := bytes.IndexByte(j.buf[j.pos:j.end], '\n'); i >= 0 {
			l := j.buf[j.pos : j.pos+i : j.pos+i]
			j.pos += i + 1
			return l, nil
		}
		if j.eof {
			if j.pos < j.end {
				l := j.buf[j.pos:j.end:j.end]
				j.pos = j.end
				return l, nil
			}
			return nil, io.EOF
		}
		// Move the partial line into a fresh block (old records keep the old one).
		rest := j.end - j.pos
		size := blockSize
		for size < 2*rest {
			size *= 2
		}
		nb := make([]byte, size)
		copy(nb, j.buf[j.pos:j.end])
		j.buf, j.pos, j.end = nb, 0, rest
		for j.end < len(j.buf) && !j.eof {
			n, err := j.r.Read(j.buf[j.end:])
			j.end += n
			if err == io.EOF {
				j.eof = true
			} else if err != nil {
				return nil, fmt.Errorf("%s: read: %w", j.name, err)
			}
			if n > 0 && bytes.IndexByte(j.buf[j.end-n:j.end], '\n') >= 0 {
				break
			}
		}
	}
}

func (j *jsonlReader) Next() (*Record, error) {
	l, src, err := j.NextLine()
	if err != nil {
		return nil, err
	}
	return ParseLine(l, src)
}

// LineReader is a Reader of line-based input (JSONL) that can hand out rows
// unparsed, so that parsing can happen on worker goroutines (ParseLine).
type LineReader interface {
	Reader
	// NextLine returns the next non-blank line, without its terminator, and
	// its source; io.EOF at the end. The bytes stay valid and unchanged.
	NextLine() ([]byte, Source, error)
}

// NextLine implements LineReader.
func (j *jsonlReader) NextLine() ([]byte, Source, error) {
	for {
		l, err := j.nextLine()
		if err != nil {
			return nil, Source{}, err
		}
		j.line++
		if j.first {
			j.first = false
			l = bytes.TrimPrefix(l, []byte("\xef\xbb\xbf"))
		}
		if n := len(l); n > 0 && l[n-1] == '\r' {
			l = l[:n-1]
		}
		if len(bytes.TrimSpace(l)) == 0 {
			continue // blank lines are not rows
		}
		return l, Source{File: j.name, Line: j.line}, nil
	}
}

// ParseLine parses one JSONL row; a malformed row comes back as a *RowError.
func ParseLine(l []byte, src Source) (*Record, error) {
	fields, perr := ParseObject(l)
	if perr != nil {
		return nil, &RowError{Source: src, Raw: l, Err: perr}
	}
	return &Record{Fields: fields, Source: src, Raw: l}, nil
}

// ReadAll reads every row of path. Malformed rows are returned separately.
func ReadAll(ctx context.Context, path string, stdin io.Reader) ([]*Record, []*RowError, error) {
	r, err := Open(ctx, path, stdin)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	var recs []*Record
	var bad []*RowError
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return recs, bad, nil
		}
		var re *RowError
		if errors.As(err, &re) {
			bad = append(bad, re)
			continue
		}
		if err != nil {
			return recs, bad, err
		}
		recs = append(recs, rec)
	}
}

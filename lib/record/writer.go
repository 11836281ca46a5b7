package record

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// Format is an on-disk row format.
type Format int

const (
	JSONL Format = iota
	Parquet
)

func (f Format) String() string {
	if f == Parquet {
		return "parquet"
	}
	return "jsonl"
}

// FormatFor picks the output format: the --output-format flag if given,
// else the -o file's extension (.parquet), else JSONL.
func FormatFor(path, flag string) (Format, error) {
	switch strings.ToLower(flag) {
	case "jsonl", "json", "ndjson":
		return JSONL, nil
	case "parquet":
		return Parquet, nil
	case "":
	default:
		return JSONL, fmt.Errorf("unknown output format %q (want jsonl or parquet)", flag)
	}
	if strings.EqualFold(filepath.Ext(path), ".parquet") {
		return Parquet, nil
	}
	return JSONL, nil
}

// Writer writes rows. Close flushes what is buffered; it does not close the
// underlying io.Writer.
type Writer interface {
	Write(*Record) error
	Close() error
}

// NewWriter returns a Writer of format f on w.
func NewWriter(w io.Writer, f Format) (Writer, error) {
	if f == Parquet {
		return newParquetWriter(w)
	}
	return &jsonlWriter{w: w}, nil
}

type jsonlWriter struct {
	w   io.Writer
	buf []byte
}

func (j *jsonlWriter) Write(r *Record) error {
	j.buf = r.AppendJSON(j.buf[:0])
	j.buf = append(j.buf, '\n')
	_, err := j.w.Write(j.buf)
	return err
}

func (j *jsonlWriter) Close() error { return nil }

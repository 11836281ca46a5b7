package record

import (
	"errors"
	"io"
)

// Parquet support is being written (see the foundation issue); until then
// Parquet input and output fail loudly rather than silently.
var errParquetTODO = errors.New("parquet: not implemented yet")

func newParquetReader(ra io.ReaderAt, size int64, c io.Closer, name string) (Reader, error) {
	c.Close()
	return nil, errParquetTODO
}

func newParquetWriter(w io.Writer) (Writer, error) { return nil, errParquetTODO }

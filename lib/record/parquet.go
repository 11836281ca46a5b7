package record

import (
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// parquetReader streams a Parquet file row group by row group, a few rows
// at a time, assembling each row (Dremel record assembly) into a JSON object
// whose keys follow the schema's column order. Source.Line is the 1-based
// row number in the file.
type parquetReader struct {
	f      *parquet.File
	c      io.Closer
	name   string
	root   parquet.Node
	groups []parquet.RowGroup
	rows   parquet.Rows
	buf    []parquet.Row
	n, i   int   // rows in buf, next one
	line   int64 // rows returned so far
	cols   [][]parquet.Value
}

func newParquetReader(ra io.ReaderAt, size int64, c io.Closer, name string) (Reader, error) {
	f, err := parquet.OpenFile(ra, size)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("%s: parquet: %w", name, err)
	}
	root := f.Schema()
	return &parquetReader{f: f, c: c, name: name, root: root, groups: f.RowGroups(),
		buf: make([]parquet.Row, 64), cols: make([][]parquet.Value, len(root.Columns()))}, nil
}

func (p *parquetReader) Close() error {
	if p.rows != nil {
		p.rows.Close()
	}
	return p.c.Close()
}

func (p *parquetReader) Next() (*Record, error) {
	for p.i >= p.n {
		if p.rows == nil {
			if len(p.groups) == 0 {
				return nil, io.EOF
			}
			p.rows = p.groups[0].Rows()
			p.groups = p.groups[1:]
		}
		n, err := p.rows.ReadRows(p.buf)
		p.n, p.i = n, 0
		if err == io.EOF {
			p.rows.Close()
			p.rows = nil
		} else if err != nil {
			return nil, fmt.Errorf("%s: parquet row %d: %w", p.name, p.line+1, err)
		}
	}
	row := p.buf[p.i]
	p.i++
	p.line++
	src := Source{File: p.name, Line: p.line}
	for i := range p.cols {
		p.cols[i] = p.cols[i][:0]
	}
	for _, v := range row {
		if c := v.Column(); c >= 0 && c < len(p.cols) {
			p.cols[c] = append(p.cols[c], v)
		}
	}
	raw, err := assemble(nil, p.root, p.cols, 0, 0, true)
	if err != nil {
		return nil, &RowError{Source: src, Err: err}
	}
	fields, err := ParseObject(raw)
	if err != nil {
		return nil, &RowError{Source: src, Raw: raw, Err: err}
	}
	return &Record{Fields: fields, Source: src, Raw: raw}, nil
}

// assemble appends the JSON value of node from its leaf columns' values
// (one row's worth). def is the definition level reached by the parent,
// depth the number of repeated ancestors. The root is a required group.
func assemble(dst []byte, node parquet.Node, cols [][]parquet.Value, def, depth int, root bool) ([]byte, error) {
	if len(cols) == 0 || len(cols[0]) == 0 {
		return nil, fmt.Errorf("parquet: a column has no value for this row")
	}
	if node.Optional() {
		def++
		if cols[0][0].DefinitionLevel() < def {
			return append(dst, "null"...), nil
		}
	}
	if node.Repeated() { // a bare repeated field (legacy lists): an array of its values
		return assembleList(dst, node, cols, def, depth, false)
	}
	if !node.Leaf() {
		lt := logical(node)
		switch lt.(type) {
		case *format.ListType:
			f := node.Fields()
			if len(f) == 1 && f[0].Repeated() {
				return assembleList(dst, f[0], cols, def, depth, true)
			}
		case *format.MapType:
			f := node.Fields()
			if len(f) == 1 && f[0].Repeated() && len(f[0].Fields()) == 2 {
				return assembleMap(dst, f[0], cols, def, depth)
			}
		}
		dst = append(dst, '{')
		c := 0
		for i, f := range node.Fields() {
			n := leafCount(f)
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, f.Name())
			dst = append(dst, ':')
			var err error
			if dst, err = assemble(dst, f, cols[c:c+n], def, depth, false); err != nil {
				return nil, err
			}
			c += n
		}
		return append(dst, '}'), nil
	}
	return appendLeaf(dst, node, cols[0][0])
}

// assembleList writes the instances of the repeated node rep as an array.
// In a LIST group (unwrap), each instance's single field is the element.
func assembleList(dst []byte, rep parquet.Node, cols [][]parquet.Value, def, depth int, unwrap bool) ([]byte, error) {
	def++
	depth++
	dst = append(dst, '[')
	if cols[0][0].DefinitionLevel() < def {
		return append(dst, ']'), nil // present but empty
	}
	elem := parquet.Required(rep)
	if unwrap && len(rep.Fields()) == 1 {
		elem = nil
	}
	return eachInstance(dst, cols, depth, func(dst []byte, sub [][]parquet.Value, k int) ([]byte, error) {
		if k > 0 {
			dst = append(dst, ',')
		}
		if elem == nil {
			return assemble(dst, rep.Fields()[0], sub, def, depth, false)
		}
		return assemble(dst, elem, sub, def, depth, false)
	}, ']')
}

// assembleMap writes a MAP's key/value instances as a JSON object.
func assembleMap(dst []byte, kv parquet.Node, cols [][]parquet.Value, def, depth int) ([]byte, error) {
	def++
	depth++
	dst = append(dst, '{')
	if cols[0][0].DefinitionLevel() < def {
		return append(dst, '}'), nil
	}
	f := kv.Fields()
	nk := leafCount(f[0])
	return eachInstance(dst, cols, depth, func(dst []byte, sub [][]parquet.Value, k int) ([]byte, error) {
		if k > 0 {
			dst = append(dst, ',')
		}
		key, err := assemble(nil, f[0], sub[:nk], def, depth, false)
		if err != nil {
			return nil, err
		}
		if KindOf(key) != KindString {
			key = AppendString(nil, string(key))
		}
		dst = append(append(dst, key...), ':')
		return assemble(dst, f[1], sub[nk:], def, depth, false)
	}, '}')
}

// eachInstance splits every column's values into the instances of a
// repeated node (an instance starts where the repetition level is depth)
// and calls f on each.
func eachInstance(dst []byte, cols [][]parquet.Value, depth int,
	f func([]byte, [][]parquet.Value, int) ([]byte, error), closing byte) ([]byte, error) {
	pos := make([]int, len(cols))
	sub := make([][]parquet.Value, len(cols))
	for k := 0; pos[0] < len(cols[0]); k++ {
		for c, vs := range cols {
			start := pos[c]
			if start >= len(vs) {
				return nil, fmt.Errorf("parquet: columns disagree on list lengths")
			}
			end := start + 1
			for end < len(vs) && vs[end].RepetitionLevel() > depth {
				end++
			}
			sub[c] = vs[start:end]
			pos[c] = end
		}
		var err error
		if dst, err = f(dst, sub, k); err != nil {
			return nil, err
		}
	}
	return append(dst, closing), nil
}

func logical(n parquet.Node) any {
	if n.Leaf() || n.Type() == nil {
		return nil
	}
	if lt := n.Type().LogicalType(); lt != nil {
		return lt.Value
	}
	return nil
}

// leafCount is the number of leaf columns under n.
func leafCount(n parquet.Node) int {
	if n.Leaf() {
		return 1
	}
	c := 0
	for _, f := range n.Fields() {
		c += leafCount(f)
	}
	return c
}

// appendLeaf writes one leaf value as JSON.
func appendLeaf(dst []byte, node parquet.Node, v parquet.Value) ([]byte, error) {
	if v.IsNull() {
		return append(dst, "null"...), nil
	}
	var lt any
	if l := node.Type().LogicalType(); l != nil {
		lt = l.Value
	}
	switch v.Kind() {
	case parquet.Boolean:
		return strconv.AppendBool(dst, v.Boolean()), nil
	case parquet.Int32:
		return strconv.AppendInt(dst, int64(v.Int32()), 10), nil
	case parquet.Int64:
		return strconv.AppendInt(dst, v.Int64(), 10), nil
	case parquet.Float:
		return appendDouble(dst, float64(v.Float())), nil
	case parquet.Double:
		return appendDouble(dst, v.Double()), nil
	case parquet.ByteArray, parquet.FixedLenByteArray:
		b := v.ByteArray()
		if _, isJSON := lt.(*format.JsonType); isJSON && Valid(b) == nil {
			return appendCompact(dst, b), nil
		}
		if utf8.Valid(b) {
			return AppendBytes(dst, b), nil
		}
		return AppendString(dst, base64.StdEncoding.EncodeToString(b)), nil // binary data
	}
	return AppendString(dst, v.String()), nil // INT96 timestamps and the like
}

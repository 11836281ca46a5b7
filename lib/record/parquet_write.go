package record

import (
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/snappy"
)

// inferRows is how many rows the Parquet writer looks at before fixing the
// schema; rows after them must fit it (a row that does not is an error
// naming its FILE:LINE, never silently changed).
const inferRows = 1000

// parquetRowGroup bounds the rows buffered before a row group is written.
const parquetRowGroup = 8192

type parquetWriter struct {
	w       io.Writer
	pending []*Record // rows kept until the schema is inferred
	names   []string  // top-level columns, in order
	types   []*ptype
	pw      *parquet.Writer
	cols    [][]parquet.Value // per leaf column, the values of the row being shredded
	leaves  int
	batch   []parquet.Row
}

func newParquetWriter(w io.Writer) (Writer, error) { return &parquetWriter{w: w}, nil }

func (p *parquetWriter) Write(r *Record) error {
	for i := range r.Fields {
		for j := 0; j < i; j++ {
			if r.Fields[i].Key == r.Fields[j].Key {
				return fmt.Errorf("%s: key %q appears twice; a Parquet row has one column per name", r.Source, r.Fields[i].Key)
			}
		}
	}
	if p.pw == nil {
		// The caller may reuse r's bytes: keep a copy until the schema is known.
		raw := r.AppendJSON(nil)
		fields, err := ParseObject(raw)
		if err != nil {
			return fmt.Errorf("%s: %w", r.Source, err)
		}
		p.pending = append(p.pending, &Record{Fields: fields, Source: r.Source, Raw: raw})
		if len(p.pending) < inferRows {
			return nil
		}
		if err := p.start(); err != nil {
			return err
		}
		return nil
	}
	return p.add(r)
}

// start infers the schema from the pending rows and writes them.
func (p *parquetWriter) start() error {
	index := map[string]int{}
	for _, r := range p.pending {
		for _, f := range r.Fields {
			i, ok := index[f.Key]
			if !ok {
				i = len(p.names)
				index[f.Key] = i
				p.names = append(p.names, f.Key)
				p.types = append(p.types, &ptype{kind: pNull})
			}
			p.types[i] = merge(p.types[i], inferValue(f.Value))
		}
	}
	if len(p.names) == 0 { // no rows: an empty SFT file
		p.names = []string{"system", "conversations"}
		p.types = []*ptype{{kind: pString}, {kind: pList, elem: &ptype{kind: pStruct, names: []string{"role", "content"}, fields: []*ptype{{kind: pString}, {kind: pString}}}}}
	}
	root := &orderedGroup{}
	for i, name := range p.names {
		p.types[i] = settle(canonicalColumn(name, p.types[i]))
		root.fields = append(root.fields, &groupField{Node: p.types[i].node(), name: name})
	}
	schema := parquet.NewSchema("row", root)
	p.leaves = len(schema.Columns())
	p.cols = make([][]parquet.Value, p.leaves)
	p.pw = parquet.NewWriter(p.w, schema, parquet.Compression(&snappy.Codec{}),
		parquet.MaxRowsPerRowGroup(parquetRowGroup), parquet.CreatedBy("ff", "", ""))
	pending := p.pending
	p.pending = nil
	for _, r := range pending {
		if err := p.add(r); err != nil {
			return err
		}
	}
	return nil
}

// add shreds one row into column values (Dremel striping) and queues it.
func (p *parquetWriter) add(r *Record) error {
	for i := range p.cols {
		p.cols[i] = p.cols[i][:0]
	}
	col := 0
	seen := 0
	for i, name := range p.names {
		var v []byte
		for _, f := range r.Fields {
			if f.Key == name {
				v = f.Value
				seen++
				break
			}
		}
		var err error
		if col, err = p.shred(p.types[i], v, 0, 0, col, 0); err != nil {
			return fmt.Errorf("%s: field %q: %w", r.Source, name, err)
		}
	}
	if seen != len(r.Fields) {
		for _, f := range r.Fields {
			known := false
			for _, n := range p.names {
				known = known || n == f.Key
			}
			if !known {
				return fmt.Errorf("%s: field %q is not in the Parquet schema inferred from the first %d rows", r.Source, f.Key, inferRows)
			}
		}
	}
	var row parquet.Row
	for _, vs := range p.cols {
		row = append(row, vs...)
	}
	p.batch = append(p.batch, row)
	if len(p.batch) >= 256 {
		return p.flush()
	}
	return nil
}

func (p *parquetWriter) flush() error {
	if len(p.batch) == 0 {
		return nil
	}
	_, err := p.pw.WriteRows(p.batch)
	p.batch = p.batch[:0]
	return err
}

// shred appends the leaf values of raw (nil: absent) under an optional node
// of type t whose leaves start at column col; it returns the next column.
// rep is the repetition level of the first value, def the definition level
// of the parent, depth the number of repeated ancestors.
func (p *parquetWriter) shred(t *ptype, raw []byte, rep, def, col, depth int) (int, error) {
	n := t.leafCount()
	if raw == nil || KindOf(raw) == KindNull {
		for c := col; c < col+n; c++ {
			p.cols[c] = append(p.cols[c], parquet.Value{}.Level(rep, def, c))
		}
		return col + n, nil
	}
	def++ // present
	switch t.kind {
	case pList:
		first := true
		err := EachElement(raw, func(el []byte) error {
			r := depth + 1 // a later element repeats at this list's level
			if first {
				r, first = rep, false
			}
			_, err := p.shred(t.elem, el, r, def+1, col, depth+1)
			return err
		})
		if err != nil {
			return 0, typeErr(t, raw)
		}
		if first { // empty list: present, no element
			for c := col; c < col+n; c++ {
				p.cols[c] = append(p.cols[c], parquet.Value{}.Level(rep, def, c))
			}
		}
		return col + n, nil
	case pStruct:
		if KindOf(raw) != KindObject {
			return 0, typeErr(t, raw)
		}
		vals := make([][]byte, len(t.names))
		var bad error
		err := EachField(raw, func(k, v []byte) error {
			name, _ := unquote(k)
			for i, n := range t.names {
				if n == name {
					vals[i] = v
					return nil
				}
			}
			bad = fmt.Errorf("key %q is not in the inferred struct", name)
			return bad
		})
		if bad != nil {
			return 0, bad
		}
		if err != nil {
			return 0, typeErr(t, raw)
		}
		c := col
		for i, ft := range t.fields {
			if c, err = p.shred(ft, vals[i], rep, def, c, depth); err != nil {
				return 0, fmt.Errorf("%s: %w", t.names[i], err)
			}
		}
		return c, nil
	}
	v, err := leafValue(t, raw)
	if err != nil {
		return 0, err
	}
	p.cols[col] = append(p.cols[col], v.Level(rep, def, col))
	return col + 1, nil
}

func leafValue(t *ptype, raw []byte) (parquet.Value, error) {
	switch t.kind {
	case pBool:
		if KindOf(raw) == KindBool {
			return parquet.BooleanValue(raw[0] == 't'), nil
		}
	case pInt:
		if v, ok := parseCanonicalInt(raw); ok {
			return parquet.Int64Value(v), nil
		}
	case pDouble:
		if v, ok := parseCanonicalDouble(raw); ok {
			return parquet.DoubleValue(v), nil
		}
	case pString:
		if s, err := unquote(raw); err == nil {
			return parquet.ByteArrayValue([]byte(s)), nil
		}
	case pJSON:
		return parquet.ByteArrayValue(appendCompact(nil, raw)), nil
	}
	return parquet.Value{}, typeErr(t, raw)
}

func typeErr(t *ptype, raw []byte) error {
	v := string(raw)
	if len(v) > 40 {
		v = v[:40] + "…"
	}
	return fmt.Errorf("value %s does not fit the %s column inferred from the first %d rows", v, t, inferRows)
}

func (t *ptype) String() string {
	switch t.kind {
	case pBool:
		return "boolean"
	case pInt:
		return "int64"
	case pDouble:
		return "double"
	case pString:
		return "string"
	case pList:
		return "list<" + t.elem.String() + ">"
	case pStruct:
		s := "struct<"
		for i, n := range t.names {
			if i > 0 {
				s += ", "
			}
			s += n + ": " + t.fields[i].String()
		}
		return s + ">"
	}
	return "json"
}

func (t *ptype) leafCount() int {
	switch t.kind {
	case pList:
		return t.elem.leafCount()
	case pStruct:
		n := 0
		for _, f := range t.fields {
			n += f.leafCount()
		}
		return n
	}
	return 1
}

func (p *parquetWriter) Close() error {
	if p.pw == nil {
		if err := p.start(); err != nil {
			return err
		}
	}
	if err := p.flush(); err != nil {
		return err
	}
	return p.pw.Close()
}

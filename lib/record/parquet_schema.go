package record

import (
	"bytes"
	"math"
	"reflect"
	"strconv"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"
)

// Parquet schema inference. The writer looks at the first rows and gives
// each column the narrowest type that holds every value exactly:
//
//	JSON string          → string (UTF8)
//	JSON integer         → int64, when every value is a plain integer in range
//	JSON number          → double, when the shortest form of the double is the text
//	true / false         → boolean
//	array                → list<element type>
//	object               → struct, when every object has the same keys in order
//	null only, or mixed  → JSON (a UTF8 column with the JSON logical type,
//	                       holding the value's JSON text)
//
// Every column and struct field is optional (null allowed). So the canonical
// columns come out as system: string, conversations/prompt:
// list<struct<role: string, content: string>>, chosen/rejected: string, which
// pyarrow and Hugging Face datasets read as they are.

type pkind uint8

const (
	pNull pkind = iota // only nulls seen so far
	pBool
	pInt
	pDouble
	pString
	pList
	pStruct
	pJSON
)

type ptype struct {
	kind   pkind
	elem   *ptype   // pList
	names  []string // pStruct, in order
	fields []*ptype
	bigInt bool // pInt: some value does not fit a double exactly
}

// inferValue types one raw JSON value.
func inferValue(raw []byte) *ptype {
	switch KindOf(raw) {
	case KindNull:
		return &ptype{kind: pNull}
	case KindBool:
		return &ptype{kind: pBool}
	case KindString:
		return &ptype{kind: pString}
	case KindNumber:
		if v, ok := parseCanonicalInt(raw); ok {
			return &ptype{kind: pInt, bigInt: v > 1<<53 || v < -(1<<53)}
		}
		if _, ok := parseCanonicalDouble(raw); ok {
			return &ptype{kind: pDouble}
		}
		return &ptype{kind: pJSON}
	case KindArray:
		t := &ptype{kind: pList, elem: &ptype{kind: pNull}}
		if EachElement(raw, func(el []byte) error { t.elem = merge(t.elem, inferValue(el)); return nil }) != nil {
			return &ptype{kind: pJSON}
		}
		return t
	case KindObject:
		t := &ptype{kind: pStruct}
		if EachField(raw, func(k, v []byte) error {
			name, err := unquote(k)
			if err != nil {
				return err
			}
			for _, n := range t.names {
				if n == name {
					return errBroken // a repeated key: keep the object as JSON text
				}
			}
			t.names = append(t.names, name)
			t.fields = append(t.fields, inferValue(v))
			return nil
		}) != nil || len(t.names) == 0 {
			return &ptype{kind: pJSON} // (an empty struct is not valid Parquet either)
		}
		return t
	}
	return &ptype{kind: pJSON}
}

// merge is the narrowest type holding values of both a and b.
func merge(a, b *ptype) *ptype {
	switch {
	case a.kind == pNull:
		return b
	case b.kind == pNull:
		return a
	case a.kind == pJSON || b.kind == pJSON:
		return &ptype{kind: pJSON}
	case a.kind == pInt && b.kind == pInt:
		return &ptype{kind: pInt, bigInt: a.bigInt || b.bigInt}
	case a.kind == pInt && b.kind == pDouble && !a.bigInt, a.kind == pDouble && b.kind == pInt && !b.bigInt:
		return &ptype{kind: pDouble}
	case a.kind != b.kind:
		return &ptype{kind: pJSON}
	case a.kind == pList:
		return &ptype{kind: pList, elem: merge(a.elem, b.elem)}
	case a.kind == pStruct:
		if len(a.names) != len(b.names) {
			return &ptype{kind: pJSON}
		}
		t := &ptype{kind: pStruct, names: a.names}
		for i := range a.names {
			if a.names[i] != b.names[i] {
				return &ptype{kind: pJSON}
			}
			t.fields = append(t.fields, merge(a.fields[i], b.fields[i]))
		}
		return t
	}
	return a
}

// settle replaces types still unknown (only nulls seen) by JSON, which can
// hold whatever later rows bring.
func settle(t *ptype) *ptype {
	switch t.kind {
	case pNull:
		return &ptype{kind: pJSON}
	case pList:
		return &ptype{kind: pList, elem: settle(t.elem)}
	case pStruct:
		s := &ptype{kind: pStruct, names: t.names}
		for _, f := range t.fields {
			s.fields = append(s.fields, settle(f))
		}
		return s
	}
	return t
}

// canonicalColumn gives the fixed type of a canonical column, whatever the
// first rows held (system may be null in all of them).
func canonicalColumn(name string, t *ptype) *ptype {
	switch name {
	case "system", "chosen", "rejected":
		if t.kind == pNull || t.kind == pString {
			return &ptype{kind: pString}
		}
	}
	return t
}

func parseCanonicalInt(raw []byte) (int64, bool) {
	s := raw
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	if len(s) == 0 || len(s) > 1 && s[0] == '0' || bytes.Equal(raw, []byte("-0")) {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(string(raw), 10, 64)
	return v, err == nil
}

// parseCanonicalDouble accepts a number whose text is exactly what
// appendDouble writes for it, so reading the file back gives the same text.
func parseCanonicalDouble(raw []byte) (float64, bool) {
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, string(appendDouble(nil, f)) == string(raw)
}

// appendDouble writes a double the way encoding/json does (shortest form,
// exponent only for very large or small magnitudes).
func appendDouble(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return AppendString(dst, strconv.FormatFloat(f, 'g', -1, 64))
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	n := len(dst)
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' { // clean up e-09 to e-9
		if m := len(dst) - n; m >= 4 && dst[len(dst)-4] == 'e' && dst[len(dst)-3] == '-' && dst[len(dst)-2] == '0' {
			dst[len(dst)-2] = dst[len(dst)-1]
			dst = dst[:len(dst)-1]
		}
	}
	return dst
}

// node builds the Parquet node of a settled type (optional at every level).
func (t *ptype) node() parquet.Node {
	var n parquet.Node
	switch t.kind {
	case pBool:
		n = parquet.Leaf(parquet.BooleanType)
	case pInt:
		n = parquet.Int(64)
	case pDouble:
		n = parquet.Leaf(parquet.DoubleType)
	case pString:
		n = parquet.String()
	case pList:
		n = parquet.List(t.elem.node())
	case pStruct:
		g := &orderedGroup{}
		for i, name := range t.names {
			g.fields = append(g.fields, &groupField{Node: t.fields[i].node(), name: name})
		}
		n = g
	default:
		n = parquet.JSON()
	}
	return parquet.Optional(n)
}

// orderedGroup is a Parquet group whose fields keep the order they were
// given (parquet.Group sorts them by name; rows should keep their column order).
type orderedGroup struct{ fields []parquet.Field }

func (g *orderedGroup) ID() int                         { return 0 }
func (g *orderedGroup) String() string                  { return "group" }
func (g *orderedGroup) Type() parquet.Type              { return parquet.Group{}.Type() }
func (g *orderedGroup) Optional() bool                  { return false }
func (g *orderedGroup) Repeated() bool                  { return false }
func (g *orderedGroup) Required() bool                  { return true }
func (g *orderedGroup) Leaf() bool                      { return false }
func (g *orderedGroup) Fields() []parquet.Field         { return g.fields }
func (g *orderedGroup) Encoding() encoding.Encoding     { return nil }
func (g *orderedGroup) Compression() compress.Codec     { return nil }
func (g *orderedGroup) GoType() reflect.Type            { return reflect.TypeOf(map[string]any(nil)) }
func (f *groupField) Name() string                      { return f.name }
func (f *groupField) Value(reflect.Value) reflect.Value { return reflect.Value{} }

type groupField struct {
	parquet.Node
	name string
}

package metadata

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/flock-off/ff/lib/scale"
)

// Bytes is a byte string value ([u8; N] or Vec<u8>); it prints as 0x-hex.
type Bytes []byte

// MarshalJSON writes "0x…".
func (b Bytes) MarshalJSON() ([]byte, error) { return json.Marshal("0x" + hex.EncodeToString(b)) }

func (b Bytes) String() string { return "0x" + hex.EncodeToString(b) }

// KV is one field of an Object.
type KV struct {
	Key   string
	Value any
}

// Object is a struct or a variant with fields, in declaration order.
type Object []KV

// Get returns the value of key.
func (o Object) Get(key string) (any, bool) {
	for _, kv := range o {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return nil, false
}

// MarshalJSON keeps the field order.
func (o Object) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, kv := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(kv.Key)
		buf.Write(k)
		buf.WriteByte(':')
		v, err := json.Marshal(kv.Value)
		if err != nil {
			return nil, err
		}
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

const maxDepth = 128

// DecodeValue reads one value of type id: integers up to 64 bits as uint64 or
// int64, wider ones as *big.Int, byte strings as Bytes, structs as Object,
// single-field wrappers as their field, enums as the variant name (no
// fields) or a one-key Object, tuples and sequences as []any.
func (r *Registry) DecodeValue(d *scale.Decoder, id uint32) any { return r.decode(d, id, 0) }

func (r *Registry) decode(d *scale.Decoder, id uint32, depth int) any {
	if d.Err() != nil {
		return nil
	}
	if depth > maxDepth {
		d.Failf("type %d: nesting deeper than %d", id, maxDepth)
		return nil
	}
	t, err := r.Type(id)
	if err != nil {
		d.Fail(err)
		return nil
	}
	switch t.Kind {
	case Composite:
		return r.decodeFields(d, t.Fields, depth)
	case Variant:
		tag := d.U8()
		if d.Err() != nil {
			return nil
		}
		v, ok := t.VariantByIndex(tag)
		if !ok {
			d.Failf("%s: no variant with index %d", t.Name(), tag)
			return nil
		}
		if len(v.Fields) == 0 {
			return v.Name
		}
		return Object{{v.Name, r.decodeFields(d, v.Fields, depth)}}
	case Sequence:
		et, _ := r.Type(t.Elem)
		if et != nil && et.Kind == Primitive && et.Prim == U8 {
			return Bytes(d.ByteVec())
		}
		n := d.Len(1)
		out := make([]any, 0, n)
		for i := 0; i < n && d.Err() == nil; i++ {
			out = append(out, r.decode(d, t.Elem, depth+1))
		}
		return out
	case Array:
		et, _ := r.Type(t.Elem)
		if et != nil && et.Kind == Primitive && et.Prim == U8 {
			return Bytes(d.Bytes(int(t.Len)))
		}
		if uint64(t.Len) > uint64(d.Remaining()) && !r.ZeroSized(t.Elem) {
			d.Failf("array of %d exceeds the %d bytes left", t.Len, d.Remaining())
			return nil
		}
		out := make([]any, 0, min(int(t.Len), 1024))
		for i := uint32(0); i < t.Len && d.Err() == nil; i++ {
			out = append(out, r.decode(d, t.Elem, depth+1))
		}
		return out
	case Tuple:
		if len(t.Tuple) == 0 {
			return []any{}
		}
		out := make([]any, 0, len(t.Tuple))
		for _, e := range t.Tuple {
			out = append(out, r.decode(d, e, depth+1))
		}
		return out
	case Primitive:
		return decodePrim(d, t.Prim)
	case Compact:
		v := d.CompactBig()
		if v.IsUint64() {
			return v.Uint64()
		}
		return v
	case BitSequence:
		// Bits as stored: a compact bit count, then whole store units.
		st, err := r.Type(t.Elem)
		if err != nil || st.Kind != Primitive || st.Prim.Width() == 0 {
			d.Failf("%s: unsupported bit store", t.Name())
			return nil
		}
		bits := d.Compact()
		w := uint64(st.Prim.Width())
		units := (bits + 8*w - 1) / (8 * w)
		if units > uint64(d.Remaining())/w {
			d.Failf("bit sequence of %d bits exceeds the input", bits)
			return nil
		}
		return Bytes(d.Bytes(int(units * w)))
	}
	d.Failf("type %d: unknown kind %d", id, t.Kind)
	return nil
}

func (r *Registry) decodeFields(d *scale.Decoder, fs []Field, depth int) any {
	switch {
	case len(fs) == 0:
		return Object{}
	case len(fs) == 1 && fs[0].Name == "":
		return r.decode(d, fs[0].Type, depth+1)
	case fs[0].Name == "":
		out := make([]any, 0, len(fs))
		for _, f := range fs {
			out = append(out, r.decode(d, f.Type, depth+1))
		}
		return out
	}
	out := make(Object, 0, len(fs))
	for _, f := range fs {
		out = append(out, KV{f.Name, r.decode(d, f.Type, depth+1)})
	}
	return out
}

func decodePrim(d *scale.Decoder, p Prim) any {
	switch p {
	case Bool:
		return d.Bool()
	case Char:
		return string(rune(d.U32()))
	case Str:
		return d.Str()
	case U8:
		return uint64(d.U8())
	case U16:
		return uint64(d.U16())
	case U32:
		return uint64(d.U32())
	case U64:
		return d.U64()
	case I8:
		return int64(int8(d.U8()))
	case I16:
		return int64(int16(d.U16()))
	case I32:
		return int64(int32(d.U32()))
	case I64:
		return int64(d.U64())
	}
	w := p.Width()
	v := d.UintN(w)
	if p.Signed() && v.Bit(w*8-1) == 1 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(w*8)))
	}
	return v
}

// Decode decodes a whole byte string as one value of type id; trailing bytes are an error.
func (r *Registry) Decode(b []byte, id uint32) (any, error) {
	d := scale.NewDecoder(b)
	v := r.DecodeValue(d, id)
	if d.Err() != nil {
		return nil, d.Err()
	}
	if d.Remaining() != 0 {
		t, _ := r.Type(id)
		return nil, fmt.Errorf("%d trailing bytes after %s", d.Remaining(), t.Name())
	}
	return v, nil
}

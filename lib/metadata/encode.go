package metadata

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"strings"

	"github.com/flock-off/ff/lib/scale"
)

// VariantValue selects an enum variant by name, with its field values (nil,
// one value, []any or Object).
type VariantValue struct {
	Name  string
	Value any
}

// Encode appends v encoded as type id. It accepts Go integers, *big.Int,
// json.Number and decimal strings for numbers; []byte, Bytes, [N]byte or a
// 0x-hex string for byte strings; slices for sequences, arrays and tuples;
// Object or map[string]any for structs (a one-field struct also takes its
// field's value); VariantValue, a variant name or a one-key Object for enums;
// nil for Option::None and any other value for Some.
func (r *Registry) Encode(e *scale.Encoder, id uint32, v any) error { return r.encode(e, id, v, 0) }

// EncodeToBytes is Encode into a fresh buffer.
func (r *Registry) EncodeToBytes(id uint32, v any) ([]byte, error) {
	var e scale.Encoder
	err := r.Encode(&e, id, v)
	return e.B, err
}

func (r *Registry) encode(e *scale.Encoder, id uint32, v any, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("type %d: nesting deeper than %d", id, maxDepth)
	}
	t, err := r.Type(id)
	if err != nil {
		return err
	}
	switch t.Kind {
	case Composite:
		return r.encodeFields(e, t.Name(), t.Fields, v, depth)
	case Variant:
		return r.encodeVariant(e, t, v, depth)
	case Sequence, Array:
		et, _ := r.Type(t.Elem)
		if et != nil && et.Kind == Primitive && et.Prim == U8 {
			if b, ok, err := asBytes(v); ok || err != nil {
				if err != nil {
					return fmt.Errorf("%s: %w", t.Name(), err)
				}
				if t.Kind == Sequence {
					e.ByteVec(b)
				} else if uint32(len(b)) != t.Len {
					return fmt.Errorf("%s: %d bytes, want %d", t.Name(), len(b), t.Len)
				} else {
					e.Raw(b)
				}
				return nil
			}
		}
		items, ok := asSlice(v)
		if !ok {
			return fmt.Errorf("%s: want a list, got %T", t.Name(), v)
		}
		if t.Kind == Sequence {
			e.Compact(uint64(len(items)))
		} else if uint32(len(items)) != t.Len {
			return fmt.Errorf("%s: %d items, want %d", t.Name(), len(items), t.Len)
		}
		for i, it := range items {
			if err := r.encode(e, t.Elem, it, depth+1); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return nil
	case Tuple:
		items, ok := asSlice(v)
		if !ok && len(t.Tuple) == 1 {
			items, ok = []any{v}, true
		}
		if !ok && len(t.Tuple) == 0 && v == nil {
			return nil
		}
		if !ok || len(items) != len(t.Tuple) {
			return fmt.Errorf("tuple of %d: got %T", len(t.Tuple), v)
		}
		for i, it := range items {
			if err := r.encode(e, t.Tuple[i], it, depth+1); err != nil {
				return fmt.Errorf("(%d): %w", i, err)
			}
		}
		return nil
	case Primitive:
		return encodePrim(e, t.Prim, v)
	case Compact:
		n, err := asBig(v)
		if err != nil {
			return fmt.Errorf("Compact: %w", err)
		}
		if n.Sign() < 0 {
			return fmt.Errorf("Compact: negative %s", n)
		}
		e.CompactBig(n)
		return nil
	}
	return fmt.Errorf("%s: encoding %v values is not supported", t.Name(), t.Kind)
}

func (r *Registry) encodeFields(e *scale.Encoder, name string, fs []Field, v any, depth int) error {
	if len(fs) == 0 {
		return nil
	}
	if obj, ok := asObject(v); ok && fs[0].Name != "" {
		if len(fs) == 1 {
			if _, has := obj.Get(fs[0].Name); !has {
				return r.encode(e, fs[0].Type, v, depth+1)
			}
		}
		for _, f := range fs {
			fv, has := obj.Get(f.Name)
			if !has {
				return fmt.Errorf("%s: missing field %s", name, f.Name)
			}
			if err := r.encode(e, f.Type, fv, depth+1); err != nil {
				return fmt.Errorf("%s.%s: %w", name, f.Name, err)
			}
		}
		return nil
	}
	if len(fs) == 1 {
		return r.encode(e, fs[0].Type, v, depth+1)
	}
	items, ok := asSlice(v)
	if !ok || len(items) != len(fs) {
		return fmt.Errorf("%s: want %d fields, got %T", name, len(fs), v)
	}
	for i, f := range fs {
		if err := r.encode(e, f.Type, items[i], depth+1); err != nil {
			return fmt.Errorf("%s[%d]: %w", name, i, err)
		}
	}
	return nil
}

func (r *Registry) encodeVariant(e *scale.Encoder, t *Type, v any, depth int) error {
	isOption := len(t.Path) == 1 && t.Path[0] == "Option"
	var name string
	var fields any
	switch x := v.(type) {
	case VariantValue:
		name, fields = x.Name, x.Value
	case *VariantValue:
		name, fields = x.Name, x.Value
	case string:
		if _, ok := t.VariantByName(x); ok || !isOption {
			name = x
		}
	case Object:
		if len(x) == 1 {
			if _, ok := t.VariantByName(x[0].Key); ok {
				name, fields = x[0].Key, x[0].Value
			}
		}
	case map[string]any:
		if len(x) == 1 {
			for k, fv := range x {
				if _, ok := t.VariantByName(k); ok {
					name, fields = k, fv
				}
			}
		}
	case nil:
		if isOption {
			name = "None"
		}
	}
	if name == "" && isOption {
		name, fields = "Some", v
	}
	vd, ok := t.VariantByName(name)
	if !ok {
		return fmt.Errorf("%s: no variant %q (value %T)", t.Name(), name, v)
	}
	e.U8(vd.Index)
	if err := r.encodeFields(e, t.Name()+"::"+vd.Name, vd.Fields, fields, depth); err != nil {
		return err
	}
	return nil
}

func encodePrim(e *scale.Encoder, p Prim, v any) error {
	switch p {
	case Bool:
		b, ok := v.(bool)
		if !ok {
			return fmt.Errorf("bool: got %T", v)
		}
		e.Bool(b)
		return nil
	case Str:
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("str: got %T", v)
		}
		e.ByteVec([]byte(s))
		return nil
	case Char:
		s, ok := v.(string)
		if !ok || len([]rune(s)) != 1 {
			return fmt.Errorf("char: got %v", v)
		}
		e.U32(uint32([]rune(s)[0]))
		return nil
	}
	n, err := asBig(v)
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	w := p.Width()
	if p.Signed() {
		lim := new(big.Int).Lsh(big.NewInt(1), uint(w*8-1))
		if n.Cmp(lim) >= 0 || n.Cmp(new(big.Int).Neg(lim)) < 0 {
			return fmt.Errorf("%s: %s out of range", p, n)
		}
		if n.Sign() < 0 {
			n = new(big.Int).Add(n, new(big.Int).Lsh(big.NewInt(1), uint(w*8)))
		}
	} else if n.Sign() < 0 || n.BitLen() > w*8 {
		return fmt.Errorf("%s: %s out of range", p, n)
	}
	e.UintN(n, w)
	return nil
}

func asBig(v any) (*big.Int, error) {
	switch x := v.(type) {
	case *big.Int:
		return x, nil
	case json.Number:
		n, ok := new(big.Int).SetString(string(x), 10)
		if !ok {
			return nil, fmt.Errorf("not an integer: %s", x)
		}
		return n, nil
	case string:
		n, ok := new(big.Int).SetString(x, 10)
		if !ok {
			return nil, fmt.Errorf("not an integer: %q", x)
		}
		return n, nil
	case float64:
		if x != float64(int64(x)) {
			return nil, fmt.Errorf("not an integer: %v", x)
		}
		return big.NewInt(int64(x)), nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return big.NewInt(rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return new(big.Int).SetUint64(rv.Uint()), nil
	}
	return nil, fmt.Errorf("want an integer, got %T", v)
}

func asBytes(v any) ([]byte, bool, error) {
	switch x := v.(type) {
	case []byte:
		return x, true, nil
	case Bytes:
		return x, true, nil
	case string:
		if strings.HasPrefix(x, "0x") {
			b, err := hex.DecodeString(x[2:])
			return b, true, err
		}
		return []byte(x), true, nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Array && rv.Type().Elem().Kind() == reflect.Uint8 {
		b := make([]byte, rv.Len())
		reflect.Copy(reflect.ValueOf(b), rv)
		return b, true, nil
	}
	return nil, false, nil
}

func asSlice(v any) ([]any, bool) {
	if s, ok := v.([]any); ok {
		return s, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

func asObject(v any) (Object, bool) {
	switch x := v.(type) {
	case Object:
		return x, true
	case map[string]any:
		o := make(Object, 0, len(x))
		for k, fv := range x {
			o = append(o, KV{k, fv})
		}
		return o, true
	}
	return nil, false
}

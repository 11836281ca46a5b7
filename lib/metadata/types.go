package metadata

import (
	"fmt"
	"strings"

	"github.com/flock-off/ff/lib/scale"
)

// Kind is the shape of a registry type (scale-info's TypeDef variants).
type Kind uint8

// The kinds in scale-info's order (their SCALE variant index).
const (
	Composite Kind = iota
	Variant
	Sequence
	Array
	Tuple
	Primitive
	Compact
	BitSequence
)

// Prim is a primitive type (scale-info's TypeDefPrimitive order).
type Prim uint8

// The primitives.
const (
	Bool Prim = iota
	Char
	Str
	U8
	U16
	U32
	U64
	U128
	U256
	I8
	I16
	I32
	I64
	I128
	I256
)

var primNames = [...]string{"bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "u256", "i8", "i16", "i32", "i64", "i128", "i256"}

func (p Prim) String() string {
	if int(p) < len(primNames) {
		return primNames[p]
	}
	return fmt.Sprintf("prim(%d)", p)
}

// Width is the byte width of an integer primitive (0 for bool/char/str).
func (p Prim) Width() int {
	switch p {
	case U8, I8:
		return 1
	case U16, I16:
		return 2
	case U32, I32:
		return 4
	case U64, I64:
		return 8
	case U128, I128:
		return 16
	case U256, I256:
		return 32
	}
	return 0
}

// Signed reports whether p is a signed integer.
func (p Prim) Signed() bool { return p >= I8 }

// TypeParam is a generic parameter of a type; Type is -1 when erased.
type TypeParam struct {
	Name string
	Type int64
}

// Field is a named or positional field of a composite or variant.
type Field struct {
	Name     string
	Type     uint32
	TypeName string
	Docs     []string
}

// VariantDef is one variant of an enum.
type VariantDef struct {
	Name   string
	Fields []Field
	Index  uint8
	Docs   []string
}

// Type is one entry of the type registry.
type Type struct {
	ID       uint32
	Path     []string
	Params   []TypeParam
	Kind     Kind
	Fields   []Field      // Composite
	Variants []VariantDef // Variant
	Elem     uint32       // Sequence, Array, Compact; BitSequence store type
	Len      uint32       // Array
	Tuple    []uint32     // Tuple
	Prim     Prim         // Primitive
	Order    uint32       // BitSequence order type
	Docs     []string
}

// Name is the type's path joined with "::", or a description of its shape.
func (t *Type) Name() string {
	if len(t.Path) > 0 {
		return strings.Join(t.Path, "::")
	}
	switch t.Kind {
	case Primitive:
		return t.Prim.String()
	case Sequence:
		return fmt.Sprintf("Vec<#%d>", t.Elem)
	case Array:
		return fmt.Sprintf("[#%d; %d]", t.Elem, t.Len)
	case Compact:
		return fmt.Sprintf("Compact<#%d>", t.Elem)
	case Tuple:
		return fmt.Sprintf("tuple%v", t.Tuple)
	}
	return fmt.Sprintf("#%d", t.ID)
}

// VariantByName finds a variant by name.
func (t *Type) VariantByName(name string) (*VariantDef, bool) {
	for i := range t.Variants {
		if t.Variants[i].Name == name {
			return &t.Variants[i], true
		}
	}
	return nil, false
}

// VariantByIndex finds a variant by its index byte.
func (t *Type) VariantByIndex(idx uint8) (*VariantDef, bool) {
	for i := range t.Variants {
		if t.Variants[i].Index == idx {
			return &t.Variants[i], true
		}
	}
	return nil, false
}

// Registry is the portable type registry, indexed by type id.
type Registry struct {
	types []*Type
}

// Type returns the type with id, or an error naming it.
func (r *Registry) Type(id uint32) (*Type, error) {
	if int(id) >= len(r.types) || r.types[id] == nil {
		return nil, fmt.Errorf("metadata: unknown type id %d", id)
	}
	return r.types[id], nil
}

// Len is the number of types.
func (r *Registry) Len() int { return len(r.types) }

// ZeroSized reports whether values of type id encode to no bytes (unit
// structs, empty tuples, PhantomData), as transaction extensions often are.
func (r *Registry) ZeroSized(id uint32) bool { return r.zeroSized(id, 0) }

func (r *Registry) zeroSized(id uint32, depth int) bool {
	t, err := r.Type(id)
	if err != nil || depth > 64 {
		return false
	}
	switch t.Kind {
	case Composite:
		for _, f := range t.Fields {
			if !r.zeroSized(f.Type, depth+1) {
				return false
			}
		}
		return true
	case Tuple:
		for _, e := range t.Tuple {
			if !r.zeroSized(e, depth+1) {
				return false
			}
		}
		return true
	case Array:
		return t.Len == 0 || r.zeroSized(t.Elem, depth+1)
	}
	return false
}

func decodeRegistry(d *scale.Decoder) *Registry {
	n := d.Len(4)
	r := &Registry{types: make([]*Type, 0, n)}
	for i := 0; i < n && d.Err() == nil; i++ {
		id := d.Compact()
		if d.Err() != nil {
			break
		}
		if id != uint64(i) {
			d.Failf("type registry: entry %d has id %d (ids must be sequential)", i, id)
			break
		}
		t := &Type{ID: uint32(id), Path: d.Strings()}
		np := d.Len(2)
		for j := 0; j < np && d.Err() == nil; j++ {
			p := TypeParam{Name: d.Str(), Type: -1}
			if d.Option() {
				p.Type = int64(d.Compact())
			}
			t.Params = append(t.Params, p)
		}
		decodeTypeDef(d, t)
		t.Docs = d.Strings()
		r.types = append(r.types, t)
	}
	return r
}

func decodeFields(d *scale.Decoder) []Field {
	n := d.Len(3)
	fs := make([]Field, 0, n)
	for i := 0; i < n && d.Err() == nil; i++ {
		var f Field
		if d.Option() {
			f.Name = d.Str()
		}
		f.Type = uint32(d.Compact())
		if d.Option() {
			f.TypeName = d.Str()
		}
		f.Docs = d.Strings()
		fs = append(fs, f)
	}
	return fs
}

func decodeTypeDef(d *scale.Decoder, t *Type) {
	t.Kind = Kind(d.U8())
	switch t.Kind {
	case Composite:
		t.Fields = decodeFields(d)
	case Variant:
		n := d.Len(4)
		for i := 0; i < n && d.Err() == nil; i++ {
			v := VariantDef{Name: d.Str(), Fields: decodeFields(d)}
			v.Index = d.U8()
			v.Docs = d.Strings()
			t.Variants = append(t.Variants, v)
		}
	case Sequence, Compact:
		t.Elem = uint32(d.Compact())
	case Array:
		t.Len = d.U32()
		t.Elem = uint32(d.Compact())
	case Tuple:
		n := d.Len(1)
		for i := 0; i < n && d.Err() == nil; i++ {
			t.Tuple = append(t.Tuple, uint32(d.Compact()))
		}
	case Primitive:
		t.Prim = Prim(d.U8())
		if int(t.Prim) >= len(primNames) {
			d.Failf("unknown primitive %d", t.Prim)
		}
	case BitSequence:
		t.Elem = uint32(d.Compact())
		t.Order = uint32(d.Compact())
	default:
		d.Failf("unknown type definition kind %d", t.Kind)
	}
}

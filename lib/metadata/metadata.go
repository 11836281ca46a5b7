// Package metadata decodes a Substrate runtime's metadata (versions 14, 15
// and 16): the type registry, pallets with their calls, storage, constants
// and errors, and the extrinsic format with its transaction extensions. It
// also encodes and decodes values by type id, so call and storage layouts are
// read from the chain at run time instead of being hard-coded.
package metadata

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/flock-off/ff/lib/scale"
)

// Magic is the "meta" prefix of RuntimeMetadataPrefixed.
var Magic = []byte("meta")

// Hasher is a storage key hasher (frame-metadata's StorageHasher order).
type Hasher uint8

// The storage hashers.
const (
	Blake2_128 Hasher = iota
	Blake2_256
	Blake2_128Concat
	Twox128
	Twox256
	Twox64Concat
	Identity
)

var hasherNames = [...]string{"Blake2_128", "Blake2_256", "Blake2_128Concat", "Twox128", "Twox256", "Twox64Concat", "Identity"}

func (h Hasher) String() string {
	if int(h) < len(hasherNames) {
		return hasherNames[h]
	}
	return fmt.Sprintf("hasher(%d)", h)
}

// StorageEntry is one storage item of a pallet.
type StorageEntry struct {
	Name     string
	Optional bool // modifier Optional: absent means None; otherwise Default applies
	Hashers  []Hasher
	Key      uint32 // key type (a tuple when there are several hashers); plain entries have none
	Value    uint32
	Plain    bool
	Default  []byte
	Docs     []string
}

// Constant is a pallet constant with its SCALE-encoded value.
type Constant struct {
	Name  string
	Type  uint32
	Value []byte
	Docs  []string
}

// Pallet is one pallet (module) of the runtime.
type Pallet struct {
	Name          string
	Index         uint8
	StoragePrefix string
	Storage       []StorageEntry
	Calls         int64 // call enum type id, -1 if none
	Event         int64
	Error         int64
	Constants     []Constant
	Docs          []string
}

// Extension is a transaction (signed) extension: Type is what the extrinsic
// carries, Implicit what only the signed payload carries.
type Extension struct {
	Identifier string
	Type       uint32
	Implicit   uint32
}

// Extrinsic describes the runtime's extrinsic format.
type Extrinsic struct {
	Versions      []uint8
	AddressType   int64
	CallType      int64
	SignatureType int64
	// Extensions are those of a v4 signed extrinsic, in order.
	Extensions []Extension
}

// APIMethod is a runtime API method (V15+).
type APIMethod struct {
	Name   string
	Inputs []Field
	Output uint32
	Docs   []string
}

// API is a runtime API trait (V15+).
type API struct {
	Name    string
	Methods []APIMethod
	Docs    []string
}

// Metadata is a decoded runtime metadata.
type Metadata struct {
	Version    int
	Types      *Registry
	Pallets    []*Pallet
	Extrinsic  Extrinsic
	APIs       []API
	OuterError int64 // V15+: the outer error enum (pallet index + error), -1 for V14
}

// Decode parses SCALE-encoded RuntimeMetadataPrefixed ("meta" ‖ version ‖ body).
func Decode(b []byte) (*Metadata, error) {
	if !bytes.HasPrefix(b, Magic) {
		return nil, errors.New("metadata: missing \"meta\" prefix")
	}
	d := scale.NewDecoder(b[len(Magic):])
	m := &Metadata{Version: int(d.U8()), OuterError: -1}
	switch m.Version {
	case 14, 15, 16:
	default:
		if d.Err() != nil {
			return nil, fmt.Errorf("metadata: %w", d.Err())
		}
		return nil, fmt.Errorf("metadata: version %d is not supported (want 14, 15 or 16)", m.Version)
	}
	m.Types = decodeRegistry(d)
	n := d.Len(8)
	for i := 0; i < n && d.Err() == nil; i++ {
		m.Pallets = append(m.Pallets, decodePallet(d, m.Version))
	}
	m.decodeExtrinsic(d)
	if m.Version == 14 {
		d.Compact() // the runtime type
	}
	if m.Version >= 15 {
		if m.Version == 15 {
			d.Compact() // the runtime type
		}
		m.APIs = decodeAPIs(d, m.Version)
		d.Compact() // outer call enum
		d.Compact() // outer event enum
		m.OuterError = int64(d.Compact())
		nc := d.Len(2) // custom map: String -> {ty, value}
		for i := 0; i < nc && d.Err() == nil; i++ {
			d.Str()
			d.Compact()
			d.ByteVec()
		}
	}
	if d.Err() != nil {
		return nil, fmt.Errorf("metadata v%d: %w", m.Version, d.Err())
	}
	if d.Remaining() != 0 {
		return nil, fmt.Errorf("metadata v%d: %d trailing bytes", m.Version, d.Remaining())
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	return m, nil
}

// check verifies that every type id the metadata names exists, so later
// lookups cannot index out of range.
func (m *Metadata) check() error {
	ids := []int64{m.Extrinsic.AddressType, m.Extrinsic.CallType, m.Extrinsic.SignatureType, m.OuterError}
	for _, e := range m.Extrinsic.Extensions {
		ids = append(ids, int64(e.Type), int64(e.Implicit))
	}
	for _, p := range m.Pallets {
		ids = append(ids, p.Calls, p.Event, p.Error)
		for _, s := range p.Storage {
			ids = append(ids, int64(s.Value))
			if !s.Plain {
				ids = append(ids, int64(s.Key))
			}
		}
		for _, c := range p.Constants {
			ids = append(ids, int64(c.Type))
		}
	}
	for _, id := range ids {
		if id >= 0 {
			if _, err := m.Types.Type(uint32(id)); err != nil {
				return err
			}
		}
	}
	for _, t := range m.Types.types {
		refs := append([]uint32{}, t.Tuple...)
		for _, f := range t.Fields {
			refs = append(refs, f.Type)
		}
		for _, v := range t.Variants {
			for _, f := range v.Fields {
				refs = append(refs, f.Type)
			}
		}
		switch t.Kind {
		case Sequence, Array, Compact:
			refs = append(refs, t.Elem)
		}
		for _, r := range refs {
			if _, err := m.Types.Type(r); err != nil {
				return fmt.Errorf("type %d: %w", t.ID, err)
			}
		}
	}
	return nil
}

func optType(d *scale.Decoder) int64 {
	if d.Option() {
		return int64(d.Compact())
	}
	return -1
}

// skipItemDeprecation reads a V16 ItemDeprecationInfo.
func skipItemDeprecation(d *scale.Decoder) {
	switch t := d.U8(); t {
	case 0, 1:
	case 2:
		d.Str()
		if d.Option() {
			d.Str()
		}
	default:
		d.Failf("invalid deprecation tag %d", t)
	}
}

// skipEnumDeprecation reads a V16 EnumDeprecationInfo (a map of variant to status).
func skipEnumDeprecation(d *scale.Decoder) {
	n := d.Len(2)
	for i := 0; i < n && d.Err() == nil; i++ {
		d.U8()
		skipItemDeprecation(d)
	}
}

func decodePallet(d *scale.Decoder, v int) *Pallet {
	p := &Pallet{Name: d.Str(), Calls: -1, Event: -1, Error: -1}
	if d.Option() {
		p.StoragePrefix = d.Str()
		n := d.Len(4)
		for i := 0; i < n && d.Err() == nil; i++ {
			p.Storage = append(p.Storage, decodeStorageEntry(d, v))
		}
	}
	withDeprecation := func() int64 {
		if !d.Option() {
			return -1
		}
		id := int64(d.Compact())
		if v >= 16 {
			skipEnumDeprecation(d)
		}
		return id
	}
	p.Calls = withDeprecation()
	p.Event = withDeprecation()
	n := d.Len(4)
	for i := 0; i < n && d.Err() == nil; i++ {
		c := Constant{Name: d.Str(), Type: uint32(d.Compact()), Value: d.ByteVec(), Docs: d.Strings()}
		if v >= 16 {
			skipItemDeprecation(d)
		}
		p.Constants = append(p.Constants, c)
	}
	p.Error = withDeprecation()
	if v >= 16 {
		n := d.Len(3) // associated types: name, ty, docs
		for i := 0; i < n && d.Err() == nil; i++ {
			d.Str()
			d.Compact()
			d.Strings()
		}
		n = d.Len(36) // view functions: id, name, inputs, output, docs, deprecation
		for i := 0; i < n && d.Err() == nil; i++ {
			d.Bytes(32)
			d.Str()
			decodeParams(d)
			d.Compact()
			d.Strings()
			skipItemDeprecation(d)
		}
	}
	p.Index = d.U8()
	if v >= 15 {
		p.Docs = d.Strings()
	}
	if v >= 16 {
		skipItemDeprecation(d)
	}
	return p
}

func decodeStorageEntry(d *scale.Decoder, v int) StorageEntry {
	e := StorageEntry{Name: d.Str()}
	switch m := d.U8(); m {
	case 0:
		e.Optional = true
	case 1:
	default:
		d.Failf("storage %s: invalid modifier %d", e.Name, m)
	}
	switch k := d.U8(); k {
	case 0:
		e.Plain = true
		e.Value = uint32(d.Compact())
	case 1:
		n := d.Len(1)
		for i := 0; i < n && d.Err() == nil; i++ {
			h := Hasher(d.U8())
			if int(h) >= len(hasherNames) {
				d.Failf("storage %s: unknown hasher %d", e.Name, h)
			}
			e.Hashers = append(e.Hashers, h)
		}
		e.Key = uint32(d.Compact())
		e.Value = uint32(d.Compact())
	default:
		d.Failf("storage %s: invalid entry type %d", e.Name, k)
	}
	e.Default = d.ByteVec()
	e.Docs = d.Strings()
	if v >= 16 {
		skipItemDeprecation(d)
	}
	return e
}

func decodeParams(d *scale.Decoder) []Field {
	n := d.Len(2)
	var fs []Field
	for i := 0; i < n && d.Err() == nil; i++ {
		fs = append(fs, Field{Name: d.Str(), Type: uint32(d.Compact())})
	}
	return fs
}

func (m *Metadata) decodeExtrinsic(d *scale.Decoder) {
	x := &m.Extrinsic
	x.AddressType, x.CallType, x.SignatureType = -1, -1, -1
	readExts := func() []Extension {
		n := d.Len(3)
		var es []Extension
		for i := 0; i < n && d.Err() == nil; i++ {
			es = append(es, Extension{Identifier: d.Str(), Type: uint32(d.Compact()), Implicit: uint32(d.Compact())})
		}
		return es
	}
	switch m.Version {
	case 14:
		xt := uint32(d.Compact())
		x.Versions = []uint8{d.U8()}
		x.Extensions = readExts()
		// V14 names the call/address/signature only as type parameters of
		// the UncheckedExtrinsic type.
		if t, err := m.Types.Type(xt); err == nil {
			for _, p := range t.Params {
				switch p.Name {
				case "Address":
					x.AddressType = p.Type
				case "Call":
					x.CallType = p.Type
				case "Signature":
					x.SignatureType = p.Type
				}
			}
		}
	case 15:
		x.Versions = []uint8{d.U8()}
		x.AddressType = int64(d.Compact())
		x.CallType = int64(d.Compact())
		x.SignatureType = int64(d.Compact())
		d.Compact() // extra type
		x.Extensions = readExts()
	case 16:
		x.Versions = d.ByteVec()
		x.AddressType = int64(d.Compact())
		x.CallType = int64(d.Compact())
		x.SignatureType = int64(d.Compact())
		byVersion := map[uint8][]uint32{}
		n := d.Len(2)
		for i := 0; i < n && d.Err() == nil; i++ {
			ver := d.U8()
			k := d.Len(1)
			for j := 0; j < k && d.Err() == nil; j++ {
				byVersion[ver] = append(byVersion[ver], uint32(d.Compact()))
			}
		}
		all := readExts()
		// Version 0 of the transaction extensions is the set a v4 signed
		// extrinsic carries.
		if idx, ok := byVersion[0]; ok {
			for _, i := range idx {
				if int(i) >= len(all) {
					d.Failf("transaction extension index %d out of range", i)
					return
				}
				x.Extensions = append(x.Extensions, all[i])
			}
		} else {
			x.Extensions = all
		}
	}
}

func decodeAPIs(d *scale.Decoder, v int) []API {
	n := d.Len(3)
	var apis []API
	for i := 0; i < n && d.Err() == nil; i++ {
		a := API{Name: d.Str()}
		k := d.Len(4)
		for j := 0; j < k && d.Err() == nil; j++ {
			mth := APIMethod{Name: d.Str(), Inputs: decodeParams(d), Output: uint32(d.Compact()), Docs: d.Strings()}
			if v >= 16 {
				skipItemDeprecation(d)
			}
			a.Methods = append(a.Methods, mth)
		}
		a.Docs = d.Strings()
		if v >= 16 {
			d.Compact() // API version
			skipItemDeprecation(d)
		}
		apis = append(apis, a)
	}
	return apis
}

package chain

import (
	"fmt"

	"github.com/flock-off/ff/lib/metadata"
	"github.com/flock-off/ff/lib/scale"
)

// Call is a runtime call named by pallet and call, with its arguments in
// declaration order. Indices and argument types come from the metadata.
type Call struct {
	Pallet string
	Name   string
	Args   metadata.Object
}

// FullName is "Pallet.call".
func (c *Call) FullName() string { return c.Pallet + "." + c.Name }

// Encode is the call's SCALE form: pallet index, call index, arguments.
func (c *Call) Encode(m *metadata.Metadata) ([]byte, error) {
	p, v, err := m.Call(c.Pallet, c.Name)
	if err != nil {
		return nil, err
	}
	if len(c.Args) != len(v.Fields) {
		return nil, fmt.Errorf("%s takes %d arguments, got %d", c.FullName(), len(v.Fields), len(c.Args))
	}
	e := scale.Encoder{B: []byte{p.Index, v.Index}}
	for i, f := range v.Fields {
		if c.Args[i].Key != f.Name {
			return nil, fmt.Errorf("%s: argument %d is %s, got %s", c.FullName(), i, f.Name, c.Args[i].Key)
		}
		if err := m.Types.Encode(&e, f.Type, c.Args[i].Value); err != nil {
			return nil, fmt.Errorf("%s(%s): %w", c.FullName(), f.Name, err)
		}
	}
	return e.B, nil
}

// DecodeCall reads one call from d by the metadata.
func DecodeCall(m *metadata.Metadata, d *scale.Decoder) (*Call, error) {
	pi, ci := d.U8(), d.U8()
	if d.Err() != nil {
		return nil, d.Err()
	}
	p, ok := m.PalletByIndex(pi)
	if !ok || p.Calls < 0 {
		return nil, fmt.Errorf("no pallet with calls at index %d", pi)
	}
	t, err := m.Types.Type(uint32(p.Calls))
	if err != nil {
		return nil, err
	}
	v, ok := t.VariantByIndex(ci)
	if !ok {
		return nil, fmt.Errorf("pallet %s has no call %d", p.Name, ci)
	}
	c := &Call{Pallet: p.Name, Name: v.Name}
	for _, f := range v.Fields {
		c.Args = append(c.Args, metadata.KV{Key: f.Name, Value: m.Types.DecodeValue(d, f.Type)})
	}
	if d.Err() != nil {
		return nil, fmt.Errorf("%s: %w", c.FullName(), d.Err())
	}
	return c, nil
}

// Package scale is the SCALE codec of Substrate chains: little-endian fixed
// integers, compact integers, length-prefixed byte strings and sequences.
// Decoder errors are sticky so callers read a whole structure and check once;
// every length is bounded by the bytes left, so hostile input cannot make a
// decoder allocate more than its input.
package scale

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
)

// ErrShort is returned when the input ends inside a value.
var ErrShort = errors.New("scale: unexpected end of input")

// Decoder reads SCALE values from a byte slice.
type Decoder struct {
	b   []byte
	off int
	err error
}

// NewDecoder decodes b.
func NewDecoder(b []byte) *Decoder { return &Decoder{b: b} }

// Err is the first error met, if any.
func (d *Decoder) Err() error { return d.err }

// Offset is the number of bytes consumed.
func (d *Decoder) Offset() int { return d.off }

// Remaining is the number of bytes left.
func (d *Decoder) Remaining() int { return len(d.b) - d.off }

// Fail records err (the first one wins) at the current offset.
func (d *Decoder) Fail(err error) {
	if d.err == nil {
		d.err = fmt.Errorf("at byte %d: %w", d.off, err)
	}
}

// Failf records a formatted error.
func (d *Decoder) Failf(format string, args ...any) { d.Fail(fmt.Errorf(format, args...)) }

// Bytes reads n raw bytes (a view into the input).
func (d *Decoder) Bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > d.Remaining() {
		d.Fail(ErrShort)
		return nil
	}
	v := d.b[d.off : d.off+n]
	d.off += n
	return v
}

// U8 reads one byte.
func (d *Decoder) U8() uint8 {
	b := d.Bytes(1)
	if b == nil {
		return 0
	}
	return b[0]
}

// Bool reads a boolean (0 or 1; anything else is an error).
func (d *Decoder) Bool() bool {
	v := d.U8()
	if v > 1 {
		d.Failf("invalid bool byte %d", v)
	}
	return v == 1
}

// U16 reads a little-endian uint16.
func (d *Decoder) U16() uint16 {
	b := d.Bytes(2)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint16(b)
}

// U32 reads a little-endian uint32.
func (d *Decoder) U32() uint32 {
	b := d.Bytes(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

// U64 reads a little-endian uint64.
func (d *Decoder) U64() uint64 {
	b := d.Bytes(8)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

// UintN reads an n-byte little-endian unsigned integer of any width.
func (d *Decoder) UintN(n int) *big.Int {
	b := d.Bytes(n)
	if b == nil {
		return new(big.Int)
	}
	return new(big.Int).SetBytes(reverse(b))
}

// Compact reads a compact-encoded unsigned integer that fits in 64 bits.
func (d *Decoder) Compact() uint64 {
	v := d.CompactBig()
	if !v.IsUint64() {
		d.Failf("compact integer %s exceeds 64 bits", v)
		return 0
	}
	return v.Uint64()
}

// CompactBig reads a compact-encoded unsigned integer of any size (up to 2^536).
func (d *Decoder) CompactBig() *big.Int {
	first := d.U8()
	if d.err != nil {
		return new(big.Int)
	}
	switch first & 3 {
	case 0:
		return big.NewInt(int64(first >> 2))
	case 1:
		second := d.U8()
		v := uint64(first)>>2 | uint64(second)<<6
		if v < 1<<6 {
			d.Failf("non-canonical compact %d", v)
		}
		return new(big.Int).SetUint64(v)
	case 2:
		rest := d.Bytes(3)
		if rest == nil {
			return new(big.Int)
		}
		v := uint64(first)>>2 | uint64(rest[0])<<6 | uint64(rest[1])<<14 | uint64(rest[2])<<22
		if v < 1<<14 {
			d.Failf("non-canonical compact %d", v)
		}
		return new(big.Int).SetUint64(v)
	}
	n := int(first>>2) + 4
	v := d.UintN(n)
	if v.BitLen() <= 30 || v.BitLen() <= (n-1)*8 {
		d.Failf("non-canonical compact %s", v)
	}
	return v
}

// Len reads a compact length and checks that at least min bytes per element
// remain, so a forged length cannot trigger a huge allocation.
func (d *Decoder) Len(minElem int) int {
	n := d.Compact()
	if d.err != nil {
		return 0
	}
	if minElem < 1 {
		minElem = 1
	}
	if n > uint64(d.Remaining()/minElem) {
		d.Failf("length %d exceeds the %d bytes left", n, d.Remaining())
		return 0
	}
	return int(n)
}

// ByteVec reads a compact length and that many bytes (Vec<u8>).
func (d *Decoder) ByteVec() []byte {
	n := d.Len(1)
	return d.Bytes(n)
}

// Str reads a Vec<u8> and requires nothing of its encoding (Rust strings
// are UTF-8; a runtime's docs are trusted to be).
func (d *Decoder) Str() string { return string(d.ByteVec()) }

// Strings reads Vec<String>.
func (d *Decoder) Strings() []string {
	n := d.Len(1)
	out := make([]string, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		out = append(out, d.Str())
	}
	return out
}

// Option reads an Option tag: false for None, true for Some.
func (d *Decoder) Option() bool {
	switch t := d.U8(); t {
	case 0:
		return false
	case 1:
		return true
	default:
		d.Failf("invalid Option tag %d", t)
		return false
	}
}

func reverse(b []byte) []byte {
	r := make([]byte, len(b))
	for i := range b {
		r[len(b)-1-i] = b[i]
	}
	return r
}

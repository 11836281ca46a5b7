package scale

import (
	"encoding/binary"
	"math/big"
)

// Encoder appends SCALE values to a byte slice.
type Encoder struct{ B []byte }

// U8 appends one byte.
func (e *Encoder) U8(v uint8) { e.B = append(e.B, v) }

// Bool appends 0 or 1.
func (e *Encoder) Bool(v bool) {
	if v {
		e.U8(1)
	} else {
		e.U8(0)
	}
}

// U16 appends a little-endian uint16.
func (e *Encoder) U16(v uint16) { e.B = binary.LittleEndian.AppendUint16(e.B, v) }

// U32 appends a little-endian uint32.
func (e *Encoder) U32(v uint32) { e.B = binary.LittleEndian.AppendUint32(e.B, v) }

// U64 appends a little-endian uint64.
func (e *Encoder) U64(v uint64) { e.B = binary.LittleEndian.AppendUint64(e.B, v) }

// UintN appends v as an n-byte little-endian integer (v must fit).
func (e *Encoder) UintN(v *big.Int, n int) {
	be := v.FillBytes(make([]byte, n))
	e.B = append(e.B, reverse(be)...)
}

// Raw appends bytes as they are.
func (e *Encoder) Raw(b []byte) { e.B = append(e.B, b...) }

// Compact appends a compact-encoded unsigned integer.
func (e *Encoder) Compact(v uint64) { e.B = AppendCompact(e.B, v) }

// CompactBig appends a compact-encoded big unsigned integer.
func (e *Encoder) CompactBig(v *big.Int) {
	if v.IsUint64() {
		e.Compact(v.Uint64())
		return
	}
	n := (v.BitLen() + 7) / 8
	e.U8(byte((n-4)<<2) | 3)
	e.UintN(v, n)
}

// ByteVec appends a compact length and the bytes (Vec<u8>, String).
func (e *Encoder) ByteVec(b []byte) {
	e.Compact(uint64(len(b)))
	e.Raw(b)
}

// AppendCompact appends the compact encoding of v to dst.
func AppendCompact(dst []byte, v uint64) []byte {
	switch {
	case v < 1<<6:
		return append(dst, byte(v<<2))
	case v < 1<<14:
		return binary.LittleEndian.AppendUint16(dst, uint16(v<<2|1))
	case v < 1<<30:
		return binary.LittleEndian.AppendUint32(dst, uint32(v<<2|2))
	}
	n := 8
	for n > 4 && v>>(8*(n-1)) == 0 {
		n--
	}
	dst = append(dst, byte((n-4)<<2)|3)
	for i := 0; i < n; i++ {
		dst = append(dst, byte(v>>(8*i)))
	}
	return dst
}

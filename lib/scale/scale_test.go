package scale

import (
	"bytes"
	"encoding/hex"
	"math/big"
	"testing"
)

// Vectors from the SCALE specification's compact table.
func TestCompact(t *testing.T) {
	cases := []struct {
		v   uint64
		hex string
	}{
		{0, "00"}, {1, "04"}, {42, "a8"}, {63, "fc"}, {64, "0101"}, {69, "1501"},
		{16383, "fdff"}, {16384, "02000100"}, {1073741823, "feffffff"},
		{1073741824, "0300000040"}, {1<<32 - 1, "03ffffffff"}, {1 << 32, "070000000001"},
		{1<<64 - 1, "13ffffffffffffffff"},
	}
	for _, c := range cases {
		got := hex.EncodeToString(AppendCompact(nil, c.v))
		if got != c.hex {
			t.Errorf("encode %d = %s, want %s", c.v, got, c.hex)
		}
		b, _ := hex.DecodeString(c.hex)
		d := NewDecoder(b)
		if v := d.Compact(); v != c.v || d.Err() != nil || d.Remaining() != 0 {
			t.Errorf("decode %s = %d (%v), want %d", c.hex, v, d.Err(), c.v)
		}
		var e Encoder
		e.CompactBig(new(big.Int).SetUint64(c.v))
		if hex.EncodeToString(e.B) != c.hex {
			t.Errorf("CompactBig %d = %x", c.v, e.B)
		}
	}
}

func TestCompactBigRoundTrip(t *testing.T) {
	v, _ := new(big.Int).SetString("340282366920938463463374607431768211455", 10) // u128 max
	var e Encoder
	e.CompactBig(v)
	d := NewDecoder(e.B)
	if got := d.CompactBig(); got.Cmp(v) != 0 || d.Err() != nil {
		t.Fatalf("got %s, %v", got, d.Err())
	}
}

func TestNonCanonicalCompactRejected(t *testing.T) {
	for _, h := range []string{"0100", "02000000", "0300000000"} {
		b, _ := hex.DecodeString(h)
		d := NewDecoder(b)
		d.Compact()
		if d.Err() == nil {
			t.Errorf("%s: accepted a non-canonical compact", h)
		}
	}
}

func TestFixedAndVec(t *testing.T) {
	var e Encoder
	e.U8(7)
	e.Bool(true)
	e.U16(0x0102)
	e.U32(0x01020304)
	e.U64(0x0102030405060708)
	e.ByteVec([]byte("hi"))
	want := "0701" + "0201" + "04030201" + "0807060504030201" + "08" + "6869"
	if got := hex.EncodeToString(e.B); got != want {
		t.Fatalf("got %s want %s", got, want)
	}
	d := NewDecoder(e.B)
	if d.U8() != 7 || !d.Bool() || d.U16() != 0x0102 || d.U32() != 0x01020304 || d.U64() != 0x0102030405060708 || !bytes.Equal(d.ByteVec(), []byte("hi")) {
		t.Fatal("round trip mismatch")
	}
	if d.Err() != nil || d.Remaining() != 0 {
		t.Fatal(d.Err())
	}
}

func TestShortInputIsSticky(t *testing.T) {
	d := NewDecoder([]byte{1, 2})
	d.U32()
	d.U8()
	if d.Err() == nil {
		t.Fatal("no error on short input")
	}
	d = NewDecoder([]byte{0xfc, 1}) // claims 63 bytes, has 1
	if d.ByteVec() != nil || d.Err() == nil {
		t.Fatal("forged length accepted")
	}
}

// FuzzDecoder reads arbitrary bytes with every primitive: no panics, and a
// compact that decodes re-encodes to the same bytes (canonical form).
func FuzzDecoder(f *testing.F) {
	for _, s := range []string{"", "00", "fdff", "0300000040", "13ffffffffffffffff", "08686907", "ff"} {
		b, _ := hex.DecodeString(s)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d := NewDecoder(b)
		start := d.Offset()
		v := d.CompactBig()
		if d.Err() == nil {
			var e Encoder
			e.CompactBig(v)
			if !bytes.Equal(e.B, b[start:d.Offset()]) {
				t.Fatalf("compact %x decodes to %s which encodes as %x", b[start:d.Offset()], v, e.B)
			}
		}
		d = NewDecoder(b)
		d.Strings()
		d.Option()
		d.U64()
		d.UintN(16)
		d.Bool()
	})
}

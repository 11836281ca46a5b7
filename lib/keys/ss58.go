package keys

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"

	"golang.org/x/crypto/blake2b"
)

// SubstratePrefix is the SS58 network prefix Bittensor uses (generic Substrate).
const SubstratePrefix = 42

const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// SS58Encode writes a 32-byte public key as an SS58 address with prefix.
func SS58Encode(pub []byte, prefix uint16) string {
	var body []byte
	switch {
	case prefix < 64:
		body = []byte{byte(prefix)}
	default:
		// Two-byte form of the SS58 spec for prefixes 64..16383.
		body = []byte{byte((prefix&0xfc)>>2) | 0x40, byte(prefix>>8) | byte(prefix&3)<<6}
	}
	body = append(body, pub...)
	sum := ss58Checksum(body)
	return base58Encode(append(body, sum[:2]...))
}

// SS58Decode parses an SS58 address into its 32-byte public key and prefix,
// checking the checksum.
func SS58Decode(addr string) ([]byte, uint16, error) {
	raw, err := base58Decode(addr)
	if err != nil {
		return nil, 0, err
	}
	if len(raw) < 3 {
		return nil, 0, errors.New("ss58: address too short")
	}
	var prefix uint16
	n := 1
	if raw[0]&0x40 != 0 {
		n = 2
		prefix = uint16(raw[0]&0x3f)<<2 | uint16(raw[1]>>6) | uint16(raw[1]&0x3f)<<8
	} else {
		prefix = uint16(raw[0])
	}
	if len(raw) != n+32+2 {
		return nil, 0, fmt.Errorf("ss58: %d bytes, want an address of a 32-byte key", len(raw))
	}
	body, sum := raw[:n+32], raw[n+32:]
	want := ss58Checksum(body)
	if !bytes.Equal(sum, want[:2]) {
		return nil, 0, errors.New("ss58: bad checksum")
	}
	return append([]byte(nil), body[n:]...), prefix, nil
}

func ss58Checksum(body []byte) [64]byte {
	return blake2b.Sum512(append([]byte("SS58PRE"), body...))
}

func base58Encode(b []byte) string {
	n := new(big.Int).SetBytes(b)
	var out []byte
	mod := new(big.Int)
	base := big.NewInt(58)
	for n.Sign() > 0 {
		n.DivMod(n, base, mod)
		out = append(out, alphabet[mod.Int64()])
	}
	for _, c := range b {
		if c != 0 {
			break
		}
		out = append(out, alphabet[0])
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

func base58Decode(s string) ([]byte, error) {
	n := new(big.Int)
	base := big.NewInt(58)
	for _, c := range []byte(s) {
		i := bytes.IndexByte([]byte(alphabet), c)
		if i < 0 {
			return nil, fmt.Errorf("ss58: invalid character %q", c)
		}
		n.Mul(n, base)
		n.Add(n, big.NewInt(int64(i)))
	}
	out := n.Bytes()
	zeros := 0
	for zeros < len(s) && s[zeros] == alphabet[0] {
		zeros++
	}
	return append(make([]byte, zeros), out...), nil
}

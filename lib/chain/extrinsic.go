package chain

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/flock-off/ff/lib/keys"
	"github.com/flock-off/ff/lib/metadata"
	"github.com/flock-off/ff/lib/scale"
)

// ExtrinsicVersion4Signed is the version byte of a signed v4 extrinsic.
const ExtrinsicVersion4Signed = 0x84

// SignParams are what the transaction extensions need besides the call.
type SignParams struct {
	Nonce       uint64
	Tip         uint64
	Era         Era
	BlockHash   [32]byte // the era's birth block (the genesis hash when immortal)
	Genesis     [32]byte
	SpecVersion uint32
	TxVersion   uint32
}

// extensionBytes returns what an extension adds to the extrinsic (extra)
// and to the signed payload only (implicit). Known extensions are filled
// from p; every other one must have unit types, else we refuse to guess.
func extensionBytes(m *metadata.Metadata, x metadata.Extension, p *SignParams) (extra, implicit []byte, err error) {
	var e scale.Encoder
	switch x.Identifier {
	case "CheckSpecVersion":
		implicit = binary.LittleEndian.AppendUint32(nil, p.SpecVersion)
	case "CheckTxVersion":
		implicit = binary.LittleEndian.AppendUint32(nil, p.TxVersion)
	case "CheckGenesis":
		implicit = append([]byte(nil), p.Genesis[:]...)
	case "CheckMortality", "CheckEra":
		extra = p.Era.Encode()
		if p.Era.Immortal {
			implicit = append([]byte(nil), p.Genesis[:]...)
		} else {
			implicit = append([]byte(nil), p.BlockHash[:]...)
		}
	case "CheckNonce":
		e.Compact(p.Nonce)
		extra = e.B
	case "ChargeTransactionPayment":
		e.Compact(p.Tip)
		extra = e.B
	case "ChargeAssetTxPayment":
		e.Compact(p.Tip)
		e.U8(0) // no asset id: pay in the native token
		extra = e.B
	case "CheckMetadataHash":
		// Mode::Disabled, and no metadata hash in the payload.
		extra, implicit = []byte{0}, []byte{0}
	}
	// The bytes must decode as the metadata's types: this catches a runtime
	// whose extension changed shape under a known name.
	for _, part := range []struct {
		name string
		ty   uint32
		b    []byte
	}{{"extra", x.Type, extra}, {"implicit", x.Implicit, implicit}} {
		if part.b == nil && !m.Types.ZeroSized(part.ty) {
			t, _ := m.Types.Type(part.ty)
			return nil, nil, fmt.Errorf("transaction extension %s: its %s data (%s) is not known to ff-submit", x.Identifier, part.name, t.Name())
		}
		if _, err := m.Types.Decode(part.b, part.ty); err != nil {
			return nil, nil, fmt.Errorf("transaction extension %s: %s data does not match the runtime's type: %w", x.Identifier, part.name, err)
		}
	}
	return extra, implicit, nil
}

// Signer signs payloads; keys.Keypair is one.
type Signer interface {
	PublicKey() [32]byte
	Sign(msg []byte) ([64]byte, error)
}

// Signed is a built extrinsic with what went into it.
type Signed struct {
	Bytes   []byte // the extrinsic as submitted (with its length prefix)
	Payload []byte // what was signed (hashed already when over 256 bytes)
	Hash    [32]byte
	Signer  [32]byte
}

// SignedPayload is call ‖ extra ‖ implicit, or its blake2b-256 when longer than 256 bytes.
func SignedPayload(call, extra, implicit []byte) []byte {
	payload := append(append(append([]byte(nil), call...), extra...), implicit...)
	if len(payload) > 256 {
		h := Blake2_256(payload)
		return h[:]
	}
	return payload
}

// variantIndex finds the index of variant name in enum type id.
func variantIndex(m *metadata.Metadata, id int64, name string) (uint8, error) {
	if id < 0 {
		return 0, errors.New("metadata does not describe the extrinsic's address/signature types")
	}
	t, err := m.Types.Type(uint32(id))
	if err != nil {
		return 0, err
	}
	v, ok := t.VariantByName(name)
	if !ok {
		return 0, fmt.Errorf("%s has no variant %s", t.Name(), name)
	}
	return v.Index, nil
}

// BuildSigned signs call with s and assembles the v4 extrinsic:
// Compact(len) ‖ 0x84 ‖ MultiAddress::Id(pubkey) ‖ MultiSignature::Sr25519(sig) ‖ extra ‖ call.
func BuildSigned(m *metadata.Metadata, call []byte, s Signer, p SignParams) (*Signed, error) {
	var extra, implicit []byte
	for _, x := range m.Extrinsic.Extensions {
		ex, im, err := extensionBytes(m, x, &p)
		if err != nil {
			return nil, err
		}
		extra = append(extra, ex...)
		implicit = append(implicit, im...)
	}
	addrIdx, err := variantIndex(m, m.Extrinsic.AddressType, "Id")
	if err != nil {
		return nil, err
	}
	sigIdx, err := variantIndex(m, m.Extrinsic.SignatureType, "Sr25519")
	if err != nil {
		return nil, err
	}
	payload := SignedPayload(call, extra, implicit)
	sig, err := s.Sign(payload)
	if err != nil {
		return nil, err
	}
	pub := s.PublicKey()
	body := []byte{ExtrinsicVersion4Signed, addrIdx}
	body = append(body, pub[:]...)
	body = append(body, sigIdx)
	body = append(body, sig[:]...)
	body = append(body, extra...)
	body = append(body, call...)
	out := scale.AppendCompact(nil, uint64(len(body)))
	out = append(out, body...)
	return &Signed{Bytes: out, Payload: payload, Hash: Blake2_256(out), Signer: pub}, nil
}

// Extrinsic is a decoded signed v4 extrinsic.
type Extrinsic struct {
	Signer    [32]byte
	Signature [64]byte
	Era       Era
	Nonce     uint64
	Tip       uint64
	Extra     []byte
	CallBytes []byte
	Call      *Call
}

// DecodeExtrinsic parses a signed v4 extrinsic (with its length prefix)
// using the metadata's extensions, and decodes its call.
func DecodeExtrinsic(m *metadata.Metadata, b []byte) (*Extrinsic, error) {
	d := scale.NewDecoder(b)
	n := d.Len(1)
	if d.Err() != nil || n != d.Remaining() {
		return nil, errors.New("extrinsic: length prefix does not match")
	}
	if v := d.U8(); v != ExtrinsicVersion4Signed {
		return nil, fmt.Errorf("extrinsic: version byte %#x, want a signed v4 (0x84)", v)
	}
	x := &Extrinsic{}
	addrIdx, err := variantIndex(m, m.Extrinsic.AddressType, "Id")
	if err != nil {
		return nil, err
	}
	sigIdx, err := variantIndex(m, m.Extrinsic.SignatureType, "Sr25519")
	if err != nil {
		return nil, err
	}
	if d.U8() != addrIdx {
		return nil, errors.New("extrinsic: signer is not a MultiAddress::Id")
	}
	copy(x.Signer[:], d.Bytes(32))
	if d.U8() != sigIdx {
		return nil, errors.New("extrinsic: signature is not sr25519")
	}
	copy(x.Signature[:], d.Bytes(64))
	start := d.Offset()
	for _, ext := range m.Extrinsic.Extensions {
		at := d.Offset()
		v := m.Types.DecodeValue(d, ext.Type)
		if d.Err() != nil {
			return nil, fmt.Errorf("extrinsic: extension %s: %w", ext.Identifier, d.Err())
		}
		raw := b[at:d.Offset()]
		switch ext.Identifier {
		case "CheckMortality", "CheckEra":
			era, _, ok := DecodeEra(raw)
			if !ok {
				return nil, errors.New("extrinsic: bad era")
			}
			x.Era = era
		case "CheckNonce":
			x.Nonce = toUint(v)
		case "ChargeTransactionPayment", "ChargeAssetTxPayment":
			x.Tip = toUint(firstOf(v))
		}
	}
	x.Extra = b[start:d.Offset()]
	x.CallBytes = b[d.Offset():]
	x.Call, err = DecodeCall(m, d)
	if err != nil {
		return nil, err
	}
	if d.Remaining() != 0 {
		return nil, fmt.Errorf("extrinsic: %d bytes after the call", d.Remaining())
	}
	return x, nil
}

// Implicit rebuilds the implicit (signed-only) data for x under p's chain
// facts, so a verifier can recompute the payload.
func Implicit(m *metadata.Metadata, p SignParams) ([]byte, error) {
	var implicit []byte
	for _, ext := range m.Extrinsic.Extensions {
		_, im, err := extensionBytes(m, ext, &p)
		if err != nil {
			return nil, err
		}
		implicit = append(implicit, im...)
	}
	return implicit, nil
}

// VerifySignature checks x's signature over its payload, given the implicit data.
func (x *Extrinsic) VerifySignature(implicit []byte) bool {
	return keys.Verify(x.Signer[:], SignedPayload(x.CallBytes, x.Extra, implicit), x.Signature[:])
}

func toUint(v any) uint64 {
	switch n := v.(type) {
	case uint64:
		return n
	case int64:
		return uint64(n)
	}
	return 0
}

func firstOf(v any) any {
	if o, ok := v.(metadata.Object); ok && len(o) > 0 {
		return o[0].Value
	}
	if s, ok := v.([]any); ok && len(s) > 0 {
		return s[0]
	}
	return v
}

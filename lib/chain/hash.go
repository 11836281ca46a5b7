package chain

import (
	"encoding/binary"
	"fmt"

	"github.com/cespare/xxhash/v2"
	"github.com/flock-off/ff/lib/metadata"
	"golang.org/x/crypto/blake2b"
)

// Blake2_256 is blake2b with a 32-byte digest (extrinsic hashes, commit hashes).
func Blake2_256(b []byte) [32]byte { return blake2b.Sum256(b) }

func blake2_128(b []byte) []byte {
	h, _ := blake2b.New(16, nil)
	h.Write(b)
	return h.Sum(nil)
}

// twox returns the n-byte xxhash64-based hash Substrate calls twox_(n*8):
// one xxhash64 per 8 bytes, seeded 0, 1, …, each little-endian.
func twox(b []byte, n int) []byte {
	out := make([]byte, 0, n)
	for seed := uint64(0); len(out) < n; seed++ {
		d := xxhash.NewWithSeed(seed)
		d.Write(b)
		out = binary.LittleEndian.AppendUint64(out, d.Sum64())
	}
	return out
}

// Twox128 is the hash of pallet and storage names in storage keys.
func Twox128(b []byte) []byte { return twox(b, 16) }

// HashKey applies a storage hasher to an encoded key part.
func HashKey(h metadata.Hasher, b []byte) ([]byte, error) {
	switch h {
	case metadata.Blake2_128:
		return blake2_128(b), nil
	case metadata.Blake2_256:
		s := blake2b.Sum256(b)
		return s[:], nil
	case metadata.Blake2_128Concat:
		return append(blake2_128(b), b...), nil
	case metadata.Twox128:
		return twox(b, 16), nil
	case metadata.Twox256:
		return twox(b, 32), nil
	case metadata.Twox64Concat:
		return append(twox(b, 8), b...), nil
	case metadata.Identity:
		return append([]byte(nil), b...), nil
	}
	return nil, fmt.Errorf("unknown hasher %d", h)
}

// hashedPrefixLen is the length of a hasher's output before the key itself
// (for the concat hashers), or -1 when the key cannot be recovered.
func hashedPrefixLen(h metadata.Hasher) int {
	switch h {
	case metadata.Blake2_128Concat:
		return 16
	case metadata.Twox64Concat:
		return 8
	case metadata.Identity:
		return 0
	}
	return -1
}

// StorageKey builds the key of pallet.entry for the given map keys (fewer
// keys than the map has gives a prefix for iteration). Keys are encoded by
// the entry's key types from the metadata.
func StorageKey(m *metadata.Metadata, pallet, entry string, keys ...any) ([]byte, error) {
	p, e, err := m.Storage(pallet, entry)
	if err != nil {
		return nil, err
	}
	out := append(Twox128([]byte(p.StoragePrefix)), Twox128([]byte(e.Name))...)
	if e.Plain {
		if len(keys) > 0 {
			return nil, fmt.Errorf("%s.%s is a plain value and takes no keys", pallet, entry)
		}
		return out, nil
	}
	if len(keys) > len(e.Hashers) {
		return nil, fmt.Errorf("%s.%s takes %d keys, got %d", pallet, entry, len(e.Hashers), len(keys))
	}
	keyTypes := []uint32{e.Key}
	if len(e.Hashers) > 1 {
		t, err := m.Types.Type(e.Key)
		if err != nil {
			return nil, err
		}
		if t.Kind != metadata.Tuple || len(t.Tuple) != len(e.Hashers) {
			return nil, fmt.Errorf("%s.%s: key type does not match its %d hashers", pallet, entry, len(e.Hashers))
		}
		keyTypes = t.Tuple
	}
	for i, k := range keys {
		enc, err := m.Types.EncodeToBytes(keyTypes[i], k)
		if err != nil {
			return nil, fmt.Errorf("%s.%s key %d: %w", pallet, entry, i, err)
		}
		h, err := HashKey(e.Hashers[i], enc)
		if err != nil {
			return nil, err
		}
		out = append(out, h...)
	}
	return out, nil
}

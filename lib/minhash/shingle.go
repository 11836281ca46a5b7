package minhash

import (
	"math/bits"
	"unicode/utf8"

	"github.com/cespare/xxhash/v2"
)

// Shingles appends the hashes of the n-grams of a normalized text to dst:
// word n-grams (words are separated by single spaces, as Normalize leaves
// them), or with chars=true n-grams of characters with the spaces left out.
// A text with fewer than n units has no shingles: such short texts are
// compared by their exact hash only. Repeated n-grams repeat their hash;
// Set sorts and deduplicates when a set is needed.
func Shingles(dst []uint64, normalized []byte, n int, chars bool) []uint64 {
	if n < 1 {
		n = 1
	}
	// A ring of the last n unit hashes; each shingle hash mixes them in order.
	var ringBuf [16]uint64
	ring := ringBuf[:]
	if n > len(ring) {
		ring = make([]uint64, n)
	}
	units := 0
	push := func(u uint64) {
		ring[units%n] = u
		units++
		if units >= n {
			h := uint64(n)
			for k := units - n; k < units; k++ {
				h = bits.RotateLeft64(h, 27) ^ ring[k%n]
				h *= 0x9e3779b97f4a7c15
			}
			dst = append(dst, fmix64(h))
		}
	}
	if chars {
		for i := 0; i < len(normalized); {
			r, size := utf8.DecodeRune(normalized[i:])
			i += size
			if r != ' ' {
				push(fmix64(uint64(r) + 0x632be59bd9b4e019))
			}
		}
		return dst
	}
	start := 0
	for i := 0; i <= len(normalized); i++ {
		if i == len(normalized) || normalized[i] == ' ' {
			if i > start {
				push(xxhash.Sum64(normalized[start:i]))
			}
			start = i + 1
		}
	}
	return dst
}

// fmix64 is MurmurHash3's finalizer: every input bit reaches every output bit.
func fmix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

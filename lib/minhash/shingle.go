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
	// The last n unit hashes, oldest first; each shingle hash mixes them in order.
	var winBuf [16]uint64
	win := winBuf[:n:n]
	if n > len(winBuf) {
		win = make([]uint64, n)
	}
	units := 0
	push := func(u uint64) {
		copy(win, win[1:])
		win[n-1] = u
		units++
		if units >= n {
			dst = append(dst, mixWindow(win))
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

// mixWindow hashes n unit hashes in order into one shingle hash.
func mixWindow(win []uint64) uint64 {
	h := uint64(len(win))
	for _, u := range win {
		h = bits.RotateLeft64(h, 27) ^ u
		h *= 0x9e3779b97f4a7c15
	}
	return fmix64(h)
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

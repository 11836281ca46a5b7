package quality

import (
	"encoding/binary"
	"math"
)

// hashWords hashes each recorded word (done only when an n-gram filter asks).
func (s *TextStats) hashWords() {
	s.wordHash = s.wordHash[:0]
	t := s.text
	for k, at := range s.wordAt {
		n := int(s.wordLen[k])
		if n <= 8 && int(at)+8 <= len(t) { // the common short word: one load, masked
			x := binary.LittleEndian.Uint64(t[at:]) & (^uint64(0) >> ((64 - 8*n) & 63)) // (n >= 1: & 63 only spares the shift-size check)
			s.wordHash = append(s.wordHash, mix(x^uint64(n)*0x9e3779b97f4a7c15))
			continue
		}
		s.wordHash = append(s.wordHash, hashBytes(t[at:int(at)+n]))
	}
}

// hashBytes is a fast non-cryptographic hash, eight bytes at a time.
func hashBytes(b []byte) uint64 {
	if len(b) <= 8 {
		var x uint64
		for i, c := range b {
			x |= uint64(c) << (8 * i)
		}
		return mix(x ^ uint64(len(b))*0x9e3779b97f4a7c15)
	}
	h := uint64(len(b)) * 0x9e3779b97f4a7c15
	if len(b) >= 32 {
		// Two lanes of sixteen bytes: independent chains the processor
		// runs side by side (lines are long; one chain is latency-bound).
		g := h ^ 0xc2b2ae3d27d4eb4f
		for len(b) >= 16 {
			h = mix(h ^ binary.LittleEndian.Uint64(b))
			g = mix(g ^ binary.LittleEndian.Uint64(b[8:]))
			b = b[16:]
		}
		h = mix(h ^ g*0x9e3779b97f4a7c15)
	}
	for len(b) >= 8 {
		h = mix(h ^ binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	if len(b) > 0 {
		var tail uint64
		for i, c := range b {
			tail |= uint64(c) << (8 * i)
		}
		h = mix(h ^ tail)
	}
	return h
}

// TopNgramShare is the share of the text's bytes covered by the most
// frequent word n-gram, counting only n-grams that occur at least twice
// (Gopher counts a unique n-gram too, which flags every short answer).
// Calls must go n = 2, 3, 4 in order: each extends the previous hashes, and
// an n-gram can repeat only where both its (n-1)-grams repeat, so later
// passes look at those positions only.
func (s *TextStats) TopNgramShare(n int) float64 {
	m := len(s.wordAt) - n + 1
	if m < 2 || s.Chars == 0 {
		return 0
	}
	first := n == 2 || len(s.rep) == 0
	if first {
		s.hashWords()
		s.gram = append(s.gram[:0], s.wordHash...)
		for k := 1; k < n; k++ {
			s.extend(k)
		}
	}
	s.seen.reset(m)
	s.slot = s.slot[:0]
	best, bestAt := 0, 0
	h, g := s.wordHash, s.gram
	for i := 0; i < m; i++ {
		if !first {
			// An n-gram repeats only where both of its (n-1)-grams do.
			if !s.rep[i] || !s.rep[i+1] {
				s.slot = append(s.slot, -1)
				continue
			}
			g[i] = mix(g[i]*31 + h[i+n-1])
		}
		k := s.seen.slotOf(g[i])
		s.slot = append(s.slot, k)
		if c := int(s.seen.count[k]); c > best {
			best, bestAt = c, i
		}
	}
	s.rep = s.rep[:0]
	for i := 0; i < m; i++ {
		s.rep = append(s.rep, s.slot[i] >= 0 && s.seen.count[s.slot[i]] >= 2)
	}
	if best < 2 {
		return 0
	}
	width := n - 1 // spaces between the words
	for k := 0; k < n; k++ {
		width += int(s.wordLen[bestAt+k])
	}
	return float64(best*width) / float64(s.Chars)
}

// TopNgramOver is the top_ngram filter: for n = 2, 3, 4 it reports the
// first n whose most frequent n-gram covers more than limits[n-2] of the text,
// with that share (0, 0: none does). It gives the same answer as comparing
// TopNgramShare with the limits, faster: an n-gram of count c and width w
// exceeds only if c > limit/w, and every word of it occurs at least c times,
// so only positions whose n words are all that frequent are looked at.
//
// Word frequencies come from one cheap pass that counts words into buckets
// chosen by their bytes (no keys stored or compared): a word's bucket count
// is at least its own count, so the positions looked at are a superset of
// the exactly frequent ones. That changes nothing: an n-gram's positions
// are all looked at or none (they hold the same words), and an n-gram with
// a word below the bound occurs fewer times than the bound, too few to
// exceed the limit or to tie with one that does.
func (s *TextStats) TopNgramOver(limits [3]float64) (int, float64) {
	w := len(s.wordAt)
	if w < 2 || s.Chars == 0 {
		return 0, 0
	}
	maxCount := s.countBuckets()
	// cmin[n-2]: the fewest occurrences with which an n-gram can exceed
	// its limit: an n-gram occurring c times has words in buckets of at
	// least c words, so it is at most n*longest[c]+n-1 bytes wide.
	var cmin [3]int
	lo, any := math.MaxInt, false
	for n := 2; n <= 4; n++ {
		cmin[n-2] = math.MaxInt
		if n > w {
			continue
		}
		limit := limits[n-2] * float64(s.Chars)
		for c := 2; c <= maxCount; c++ {
			if c >= int(limit/float64(n*int(s.longest[c])+n-1))+1 {
				cmin[n-2], lo, any = c, min(lo, c), true
				break
			}
		}
	}
	if !any {
		return 0, 0
	}
	// Candidates: positions whose n words are all frequent enough, found
	// in one pass from the runs of such words ending at each word.
	for k := range s.grams3 {
		s.grams3[k] = s.grams3[k][:0]
	}
	bucket, slot := s.bucket, s.slot
	var run [3]int
	for j, b := range slot {
		c := int(uint32(bucket[b]))
		if c < lo {
			run = [3]int{}
			continue
		}
		for k := range run {
			if c < cmin[k] {
				run[k] = 0
				continue
			}
			if run[k]++; run[k] >= k+2 {
				s.addGram(k+2, j-k-1)
			}
		}
	}
	for n := 2; n <= 4; n++ {
		g := s.grams3[n-2]
		if len(g) < 4 {
			continue
		}
		s.grams.reset(len(g) / 2)
		best, bestAt := 0, 0
		for j := 0; j < len(g); j += 2 {
			if c := s.grams.add(g[j]); c > best {
				best, bestAt = c, int(g[j+1])
			}
		}
		if best < cmin[n-2] {
			continue // too rare to exceed (see above)
		}
		width := n - 1
		for k := 0; k < n; k++ {
			width += int(s.wordLen[bestAt+k])
		}
		if share := float64(best*width) / float64(s.Chars); share > limits[n-2] {
			return n, share
		}
	}
	return 0, 0
}

// addGram records the hash and position of the n-gram at word i (the word
// hashes are made on the first call for a text).
func (s *TextStats) addGram(n, i int) {
	if len(s.wordHash) != len(s.wordAt) {
		s.hashWords()
	}
	h := s.wordHash[i]
	for k := 1; k < n; k++ {
		h = mix(h*31 + s.wordHash[i+k])
	}
	s.grams3[n-2] = append(s.grams3[n-2], h, uint64(i))
}

// countBuckets counts the recorded words into s.bucket by a hash of their
// first eight bytes and their length (equal words share a bucket), notes
// each word's bucket in s.slot, and returns the largest bucket count. The
// table has at least four buckets per word. Each bucket also keeps its
// longest word, so that afterwards s.longest[c] (c >= 2) is the length of
// the longest word whose bucket holds at least c words.
func (s *TextStats) countBuckets() (maxCount int) {
	w := len(s.wordAt)
	bits := 6
	for 1<<bits < 4*w {
		bits++
	}
	if cap(s.bucket) < 1<<bits {
		s.bucket = make([]uint64, 1<<bits)
	} else {
		s.bucket = s.bucket[:1<<bits]
		clear(s.bucket)
	}
	shift := 64 - bits
	if cap(s.slot) < w {
		s.slot = make([]int32, w)
	}
	if cap(s.multi) < w {
		s.multi = make([]int32, w)
	}
	s.slot, s.multi = s.slot[:w], s.multi[:w]
	t, bucket, slot, multi, lens := s.text, s.bucket, s.slot, s.multi, s.wordLen[:w]
	// Buckets first, counts after: two short loops keep their values in
	// registers (one long loop spills them).
	for k, at := range s.wordAt {
		n := uint64(lens[k])
		var x uint64
		if int(at)+8 <= len(t) {
			x = binary.LittleEndian.Uint64(t[at:])
			if n < 8 {
				x &= ^uint64(0) >> ((64 - 8*n) & 63) // (n >= 1: & 63 only spares the shift-size check)
			}
		} else {
			for i, c := range t[at:min(int(at)+int(n), int(at)+8)] {
				x |= uint64(c) << (8 * i)
			}
		}
		slot[k] = int32(((x ^ n<<56 ^ n) * 0x9e3779b97f4a7c15) >> shift)
	}
	top, m := uint64(0), 0
	for k, b := range slot {
		n := uint64(lens[k])
		// A bucket: its count in the low half, its longest word in the high.
		e := bucket[b]
		c := e&0xffffffff + 1
		bucket[b] = c | max(e>>32, n)<<32
		top = max(top, c)
		// Buckets reaching two words are listed (without a branch).
		multi[m] = b
		m += int(1 - min(c^2, 1))
	}
	if cap(s.longest) < int(top)+2 {
		s.longest = make([]int32, top+2)
	}
	longest := s.longest[:top+2]
	clear(longest)
	for _, b := range multi[:m] {
		e := bucket[b]
		longest[uint32(e)] = max(longest[uint32(e)], int32(e>>32))
	}
	for c := int(top) - 1; c >= 0; c-- {
		longest[c] = max(longest[c], longest[c+1])
	}
	s.longest = longest
	return int(top)
}

// extend turns k-gram hashes into (k+1)-gram hashes.
func (s *TextStats) extend(k int) {
	for i := 0; i+k < len(s.wordHash); i++ {
		s.gram[i] = mix(s.gram[i]*31 + s.wordHash[i+k])
	}
}

func mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	return x
}

// counter is an open-addressing hash table of 64-bit keys to counts, cleared
// in O(1) by bumping a generation number.
type counter struct {
	keys  []uint64
	count []int32
	gen   []uint32
	cur   uint32
	mask  uint64
}

func (c *counter) reset(n int) {
	size := 16
	for size < 2*n {
		size *= 2
	}
	if size > len(c.keys) {
		c.keys = make([]uint64, size)
		c.count = make([]int32, size)
		c.gen = make([]uint32, size)
		c.cur = 0
	}
	c.mask = uint64(len(c.keys) - 1)
	c.cur++
	if c.cur == 0 { // wrapped: clear for real
		clear(c.gen)
		c.cur = 1
	}
}

// slotOf counts key and returns its slot (count[slot] is its count so far).
func (c *counter) slotOf(key uint64) int32 {
	i := key & c.mask // keys are mixed hashes already
	for {
		if c.gen[i] != c.cur {
			c.gen[i], c.keys[i], c.count[i] = c.cur, key, 1
			return int32(i)
		}
		if c.keys[i] == key {
			c.count[i]++
			return int32(i)
		}
		i = (i + 1) & c.mask
	}
}

// add counts key and returns its count so far.
func (c *counter) add(key uint64) int {
	i := key & c.mask // keys are mixed hashes already
	for {
		if c.gen[i] != c.cur {
			c.gen[i], c.keys[i], c.count[i] = c.cur, key, 1
			return 1
		}
		if c.keys[i] == key {
			c.count[i]++
			return int(c.count[i])
		}
		i = (i + 1) & c.mask
	}
}

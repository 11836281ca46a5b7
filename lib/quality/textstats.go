package quality

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"unicode"
	"unicode/utf8"
)

// TextStats are the counts the filters need, measured in one pass over an
// answer (plus a line pass when repetition filters run). Its slices and
// hash table are reused from answer to answer.
type TextStats struct {
	Words       int // whitespace-separated words
	WordChars   int // characters in words
	SymbolWords int // words made only of '#', and ellipses ("...", "…")
	NonSpace    int // non-space characters
	Alnum       int // letters and digits
	Chars       int // bytes of the text

	lines, paras         int // non-blank lines and paragraphs
	dupLines, dupParas   int
	dupLineCh, dupParaCh int

	text     []byte
	keep     bool // record word positions
	wstart   int  // start of the word being read, -1 between words
	rep      []bool
	slot     []int32
	wordAt   []int32  // byte offset of each word (kept when repetition is measured)
	wordLen  []int32  // byte length of each word
	wordHash []uint64 // hash of each word, made on demand
	gram     []uint64 // n-gram hashes, extended in place from n to n+1
	seen     counter
	grams    counter
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// Measure fills s for text. lines also measures repeated lines and
// paragraphs; words records where the words are (for the n-gram counts).
// ASCII is classified eight bytes at a time (SWAR); other text rune by rune.
func (s *TextStats) Measure(text []byte, lines, words bool) {
	*s = TextStats{wordHash: s.wordHash[:0], wordAt: s.wordAt[:0], wordLen: s.wordLen[:0],
		gram: s.gram[:0], rep: s.rep[:0], slot: s.slot[:0], seen: s.seen, grams: s.grams}
	s.text = text
	s.Chars = len(text)
	s.keep = words
	s.wstart = -1
	i := 0
	for ; i+8 <= len(text); i += 8 {
		x := binary.LittleEndian.Uint64(text[i:])
		if x&hi8 != 0 {
			s.slowChunk(text, i, i+8)
			continue
		}
		space := eq8(x, ' ') | ge8(x, 0x09)&^ge8(x, 0x0e)
		low := x | lo8*0x20
		alnum := ge8(x, '0')&^ge8(x, '9'+1) | ge8(low, 'a')&^ge8(low, 'z'+1)
		nonSpace := ^space & hi8
		s.NonSpace += bits.OnesCount64(nonSpace)
		s.Alnum += bits.OnesCount64(alnum)
		s.chunkWords(nonSpace, i)
	}
	s.slowChunk(text, i, len(text))
	if s.wstart >= 0 {
		s.endWord(len(text))
	}
	s.WordChars = s.NonSpace
	if bytes.IndexByte(text, '#') >= 0 {
		s.SymbolWords += hashWordsIn(text)
	}
	s.SymbolWords += bytes.Count(text, []byte("...")) + bytes.Count(text, []byte("…"))
	if lines {
		s.measureLines(text)
	}
}

const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

// ge8 sets the high bit of each byte of x (all < 0x80) that is >= n.
func ge8(x uint64, n byte) uint64 { return ((x | hi8) - lo8*uint64(n)) & hi8 }

// eq8 sets the high bit of each byte of x (all < 0x80) that equals n.
func eq8(x uint64, n byte) uint64 {
	y := x ^ (lo8 * uint64(n))
	return ^((y&^hi8 + ^uint64(hi8)) | y | ^uint64(hi8)) & hi8
}

// chunkWords finds word starts and ends in a chunk whose non-space bytes
// are marked by their high bits.
func (s *TextStats) chunkWords(nonSpace uint64, at int) {
	for b := 0; b < 8; {
		inWord := s.wstart >= 0
		// Jump to the next byte where the state changes.
		var rest uint64
		if inWord {
			rest = ^nonSpace & hi8 >> (8 * b)
		} else {
			rest = nonSpace >> (8 * b)
		}
		if rest == 0 {
			return
		}
		b += bits.TrailingZeros64(rest) / 8
		if inWord {
			s.endWord(at + b)
		} else {
			s.wstart = at + b
		}
	}
}

// slowChunk classifies text[i:end] rune by rune (non-ASCII, and the tail).
func (s *TextStats) slowChunk(text []byte, i, end int) {
	if i > 0 && i < len(text) {
		for i < end && text[i]&0xc0 == 0x80 {
			i++ // continuation bytes of a rune the previous chunk decoded
		}
	}
	for i < end {
		c := text[i]
		size := 1
		var space, alnum bool
		if c < utf8.RuneSelf {
			space = asciiClass[c]&clSpace != 0
			alnum = asciiClass[c]&clAlnum != 0
		} else {
			r, n := utf8.DecodeRune(text[i:])
			size = n
			space = unicode.IsSpace(r)
			alnum = !space && (unicode.IsLetter(r) || unicode.IsDigit(r))
		}
		if space {
			if s.wstart >= 0 {
				s.endWord(i)
			}
		} else {
			s.NonSpace++
			if alnum {
				s.Alnum++
			}
			if s.wstart < 0 {
				s.wstart = i
			}
		}
		i += size
	}
	if i > end && i <= len(text) {
		// A rune ran past the chunk: the next chunk starts inside it and
		// skips its continuation bytes.
		return
	}
}

// hashWordsIn counts words made only of '#' (markdown headings and the like).
func hashWordsIn(text []byte) int {
	n := 0
	for i := 0; i < len(text); {
		j := bytes.IndexByte(text[i:], '#')
		if j < 0 {
			break
		}
		i += j
		k := i
		for k < len(text) && text[k] == '#' {
			k++
		}
		if spaceBefore(text, i) && spaceAt(text, k) {
			n++
		}
		i = k
	}
	return n
}

// spaceBefore reports whether text[:i] is empty or ends with white space.
func spaceBefore(text []byte, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRune(text[:i])
	return unicode.IsSpace(r)
}

// spaceAt reports whether text[k:] is empty or starts with white space.
func spaceAt(text []byte, k int) bool {
	if k == len(text) {
		return true
	}
	r, _ := utf8.DecodeRune(text[k:])
	return unicode.IsSpace(r)
}

func (s *TextStats) endWord(end int) {
	s.Words++
	if s.keep {
		s.wordAt = append(s.wordAt, int32(s.wstart))
		s.wordLen = append(s.wordLen, int32(end-s.wstart))
	}
	s.wstart = -1
}

// hashWords hashes each recorded word (done only when an n-gram filter asks).
func (s *TextStats) hashWords() {
	s.wordHash = s.wordHash[:0]
	t := s.text
	for k, at := range s.wordAt {
		n := int(s.wordLen[k])
		if n <= 8 && int(at)+8 <= len(t) { // the common short word: one load, masked
			x := binary.LittleEndian.Uint64(t[at:]) & (^uint64(0) >> (64 - 8*n))
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

// measureLines counts non-blank lines and paragraphs (blocks between blank
// lines) that repeat an earlier one, and the bytes they hold.
func (s *TextStats) measureLines(text []byte) {
	s.seen.reset(len(text) + 2) // lines + paragraphs never exceed the bytes
	var para uint64 = fnvOffset
	paraLen, paraLines := 0, 0
	endPara := func() {
		if paraLines == 0 {
			return
		}
		s.paras++
		if s.seen.add(mix(para^0x9e3779b97f4a7c15)) > 1 { // a different key space from lines
			s.dupParas++
			s.dupParaCh += paraLen
		}
		para, paraLen, paraLines = fnvOffset, 0, 0
	}
	for len(text) > 0 {
		end := bytes.IndexByte(text, '\n')
		if end < 0 {
			end = len(text)
		}
		line := trimSpace(text[:end])
		if end < len(text) {
			text = text[end+1:]
		} else {
			text = text[end:]
		}
		if len(line) == 0 {
			endPara()
			continue
		}
		lh := hashBytes(line)
		s.lines++
		if s.seen.add(lh) > 1 {
			s.dupLines++
			s.dupLineCh += len(line)
		}
		para = (para ^ lh) * fnvPrime
		paraLen += len(line)
		paraLines++
	}
	endPara()
}

func frac(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// DupLineFrac is the share of non-blank lines that repeat an earlier line.
func (s *TextStats) DupLineFrac() float64 { return frac(s.dupLines, s.lines) }

// DupLineChars is the share of the text's bytes in repeated lines.
func (s *TextStats) DupLineChars() float64 { return frac(s.dupLineCh, s.Chars) }

// DupParaFrac is the share of paragraphs that repeat an earlier paragraph.
func (s *TextStats) DupParaFrac() float64 { return frac(s.dupParas, s.paras) }

// DupParaChars is the share of the text's bytes in repeated paragraphs.
func (s *TextStats) DupParaChars() float64 { return frac(s.dupParaCh, s.Chars) }

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
// so after one pass counting words only positions whose n words are all that
// frequent are looked at.
func (s *TextStats) TopNgramOver(limits [3]float64) (int, float64) {
	w := len(s.wordAt)
	if w < 2 || s.Chars == 0 {
		return 0, 0
	}
	s.hashWords()
	s.seen.reset(w)
	s.slot = s.slot[:0]
	maxLen, maxCount := 0, int32(0)
	for i, h := range s.wordHash {
		k := s.seen.slotOf(h)
		s.slot = append(s.slot, k)
		maxLen = max(maxLen, int(s.wordLen[i]))
		maxCount = max(maxCount, s.seen.count[k])
	}
	// run[i]: how many words from i on are frequent enough (per n, below).
	for n := 2; n <= 4 && n <= w; n++ {
		limit := limits[n-2] * float64(s.Chars)
		cmin := int(limit/float64(n*maxLen+n-1)) + 1
		if cmin < 2 {
			cmin = 2
		}
		if int(maxCount) < cmin {
			continue // no word is frequent enough: the usual case
		}
		s.rep = s.rep[:0]
		any := false
		for i := range s.slot {
			ok := int(s.seen.count[s.slot[i]]) >= cmin
			s.rep = append(s.rep, ok)
			any = any || ok
		}
		if !any {
			continue
		}
		s.gram = s.gram[:0]
		for i := 0; i+n <= w; i++ {
			cand := true
			for k := 0; k < n && cand; k++ {
				cand = s.rep[i+k]
			}
			if cand {
				h := s.wordHash[i]
				for k := 1; k < n; k++ {
					h = mix(h*31 + s.wordHash[i+k])
				}
				s.gram = append(s.gram, h, uint64(i))
			}
		}
		if len(s.gram) < 4 {
			continue
		}
		s.grams.reset(len(s.gram) / 2)
		best, bestAt := 0, 0
		for j := 0; j < len(s.gram); j += 2 {
			if c := s.grams.add(s.gram[j]); c > best {
				best, bestAt = c, int(s.gram[j+1])
			}
		}
		if best < 2 {
			continue
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

// Byte classes of ASCII.
const (
	clAlnum = 1 << iota
	clSpace
)

var (
	asciiClass [128]uint8
	asciiAlnum [128]bool
)

func init() {
	for _, c := range " \t\n\r\v\f" {
		asciiClass[c] = clSpace
	}
	for c := 0; c < 128; c++ {
		asciiAlnum[c] = c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if asciiAlnum[c] {
			asciiClass[c] = clAlnum
		}
	}
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

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
	bucket   []uint64    // word counts and longest words by bucket (TopNgramOver)
	longest  []int32     // longest word by bucket count (TopNgramOver)
	multi    []int32     // buckets holding two words or more (TopNgramOver)
	wordAt   []int32     // byte offset of each word (kept when repetition is measured)
	wordLen  []int32     // byte length of each word
	wordHash []uint64    // hash of each word, made on demand
	gram     []uint64    // n-gram hashes, extended in place from n to n+1
	grams3   [3][]uint64 // candidate 2-, 3- and 4-gram hashes and positions (TopNgramOver)
	seen     counter
	grams    counter

	// Refusal is the refusal phrase found while measuring, when phrases is
	// set (Checker sets it: one pass instead of two).
	Refusal      string
	phrases      *Phrases
	prevNonAlnum uint64

	prevDot uint64 // 0x80: the byte before the current chunk is '.'
	dotPair bool   // two dots in a row somewhere (so "..." may occur)
	sawHigh bool   // a non-ASCII byte somewhere (so "…" may occur)
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
		gram: s.gram[:0], rep: s.rep[:0], slot: s.slot[:0], bucket: s.bucket, longest: s.longest, multi: s.multi, grams3: s.grams3, seen: s.seen, grams: s.grams, phrases: s.phrases}
	s.prevNonAlnum = 0x80 // the text starts at a word break
	s.text = text
	s.Chars = len(text)
	s.keep = words
	s.wstart = -1
	// The phrases' first letters, each in all eight byte lanes (none when
	// no refusal scan runs or the phrases need the byte-wise search).
	var firsts []uint64
	if s.phrases != nil {
		firsts = s.phrases.first4[:s.phrases.nFirst]
	}
	// The same in four fixed slots, the unused ones matching no ASCII
	// byte, so the chunk loop tests all four without a loop.
	f0, f1, f2, f3 := uint64(lo8*0xff), uint64(lo8*0xff), uint64(lo8*0xff), uint64(lo8*0xff)
	for k, f := range firsts {
		switch k {
		case 0:
			f0 = f
		case 1:
			f1 = f
		case 2:
			f2 = f
		case 3:
			f3 = f
		}
	}
	i := 0
	for i+8 <= len(text) {
		x := binary.LittleEndian.Uint64(text[i:])
		if x&hi8 != 0 {
			// Rune by rune up to the end of this run of non-ASCII bytes,
			// then eight bytes at a time again from there (unaligned).
			j := i + bits.TrailingZeros64(x&hi8)>>3
			for j < len(text) && text[j] >= utf8.RuneSelf {
				j++
			}
			s.slowChunk(text, i, j)
			i = j
			continue
		}
		space := eq8(x, ' ') | ge8(x, 0x09)&^ge8(x, 0x0e)
		low := x | lo8*0x20
		alnum := ge8(x, '0')&^ge8(x, '9'+1) | ge8(low, 'a')&^ge8(low, 'z'+1)
		nonSpace := ^space & hi8
		if dot := eq8(x, '.'); dot != 0 {
			s.dotPair = s.dotPair || dot&(dot<<8|s.prevDot) != 0
			s.prevDot = dot >> 56
		} else {
			s.prevDot = 0
		}
		s.NonSpace += bits.OnesCount64(nonSpace)
		s.Alnum += bits.OnesCount64(alnum)
		s.chunkWords(space, nonSpace, i)
		if len(firsts) > 0 && s.Refusal == "" {
			// Candidates: a phrase's first letter after a non-alphanumeric byte.
			// The short zero-byte test: a borrow may also mark a byte
			// above a marked one, which Phrases.at then turns down (it
			// checks every candidate exactly), so the result is the same.
			y0, y1, y2, y3 := low^f0, low^f1, low^f2, low^f3
			first := ((y0-lo8)&^y0 | (y1-lo8)&^y1 | (y2-lo8)&^y2 | (y3-lo8)&^y3) & hi8
			nonAlnum := ^alnum & hi8
			cand := first & (nonAlnum<<8 | s.prevNonAlnum)
			s.prevNonAlnum = nonAlnum >> 56 & 0x80
			if cand != 0 {
				s.chunkPhrases(text, i, cand)
			}
		}
		i += 8
	}
	s.slowChunk(text, i, len(text))
	if s.wstart >= 0 {
		s.endWord(len(text))
	}
	s.WordChars = s.NonSpace
	if bytes.IndexByte(text, '#') >= 0 {
		s.SymbolWords += hashWordsIn(text)
	}
	// Ellipses: "..." needs two dots in a row somewhere, "…" non-ASCII text.
	if s.dotPair {
		s.SymbolWords += bytes.Count(text, []byte("..."))
	}
	if s.sawHigh {
		s.SymbolWords += bytes.Count(text, []byte("…"))
	}
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
func eq8(x uint64, n byte) uint64 { return zero8(x ^ (lo8 * uint64(n))) }

// zero8 sets the high bit of each zero byte of y (exactly, no borrows).
func zero8(y uint64) uint64 { return ^((y&^hi8 + ^uint64(hi8)) | y | ^uint64(hi8)) & hi8 }

// chunkPhrases looks for refusal phrases starting in an ASCII chunk at the
// candidate bytes (high bits of cand): a phrase's first letter after a
// non-alphanumeric byte, as Phrases.Find looks.
func (s *TextStats) chunkPhrases(text []byte, at int, cand uint64) {
	for ; cand != 0; cand &= cand - 1 {
		if ph := s.phrases.at(text, at+bits.TrailingZeros64(cand)>>3); ph != "" {
			s.Refusal = ph
			return
		}
	}
}

// chunkWords finds the word starts and ends of a chunk whose space bytes
// are marked by their high bits. Counting needs only a popcount; positions
// (for n-grams) walk the start and end events in order.
func (s *TextStats) chunkWords(space, nonSpace uint64, at int) {
	var prev uint64 // high bit of each byte: the byte before it is in a word
	if s.wstart >= 0 {
		prev = 0x80
	}
	shifted := nonSpace<<8 | prev
	ends := space & shifted
	if !s.keep {
		s.Words += bits.OnesCount64(ends)
		if nonSpace>>56 == 0 {
			s.wstart = -1
		} else if s.wstart < 0 || ends != 0 {
			s.wstart = at // (a flag here: positions are not kept)
		}
		return
	}
	// Starts and ends alternate, and a word's start is recorded when it is
	// seen, so each end pairs with the start of the same index: two
	// branch-free loops instead of one that asks which event each bit is.
	starts := nonSpace &^ shifted
	for st := starts; st != 0; st &= st - 1 {
		s.wordAt = append(s.wordAt, int32(at+bits.TrailingZeros64(st)>>3))
	}
	for en := ends; en != 0; en &= en - 1 {
		k := len(s.wordLen)
		s.wordLen = append(s.wordLen, int32(at+bits.TrailingZeros64(en)>>3)-s.wordAt[k])
	}
	s.Words += bits.OnesCount64(ends)
	s.wstart = -1
	if n := len(s.wordAt); n > len(s.wordLen) {
		s.wstart = int(s.wordAt[n-1]) // a word runs on into the next chunk
	}
}

// slowChunk classifies text[i:end] rune by rune (non-ASCII, and the tail).
func (s *TextStats) slowChunk(text []byte, i, end int) {
	if i > 0 && i < len(text) {
		for i < end && text[i]&0xc0 == 0x80 {
			i++ // continuation bytes of a rune the previous chunk decoded
		}
	}
	if s.phrases != nil && s.Refusal == "" && i < end {
		s.Refusal = s.phrases.findFrom(text, i, end)
		s.prevNonAlnum = 0
		if c := text[end-1]; c >= 0x80 || !asciiAlnum[c] {
			s.prevNonAlnum = 0x80
		}
	}
	var cl *bmpClasses
	for i < end {
		c := text[i]
		size := 1
		var space, alnum bool
		if c < utf8.RuneSelf {
			space = asciiClass[c]&clSpace != 0
			alnum = asciiClass[c]&clAlnum != 0
			if c == '.' {
				s.dotPair = s.dotPair || s.prevDot != 0
				s.prevDot = 0x80
			} else {
				s.prevDot = 0
			}
		} else {
			if cl == nil {
				cl = runeClasses()
			}
			s.sawHigh, s.prevDot = true, 0
			var r rune
			if c >= 0xc2 && c < 0xe0 && i+1 < len(text) && text[i+1]&0xc0 == 0x80 {
				r, size = rune(c&0x1f)<<6|rune(text[i+1]&0x3f), 2 // two bytes, decoded inline
			} else {
				r, size = utf8.DecodeRune(text[i:])
			}
			space, alnum = cl.class(r)
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
				if s.keep {
					s.wordAt = append(s.wordAt, int32(i))
				}
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
	if s.keep { // (the start was recorded when the word began)
		s.wordLen = append(s.wordLen, int32(end-s.wstart))
	}
	s.wstart = -1
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

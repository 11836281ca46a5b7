package quality

import (
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

	wordHash []uint64 // hash of each word
	wordLen  []int32  // byte length of each word
	gram     []uint64 // n-gram hashes, extended in place from n to n+1
	seen     counter
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// Measure fills s for text. repetition also hashes words, lines and paragraphs.
func (s *TextStats) Measure(text []byte, repetition bool) {
	*s = TextStats{wordHash: s.wordHash[:0], wordLen: s.wordLen[:0], gram: s.gram[:0], seen: s.seen}
	s.Chars = len(text)
	inWord := false
	var h uint64
	var wstart, wchars int
	hashSyms := true // the current word is only '#'
	endWord := func(i int) {
		s.Words++
		s.WordChars += wchars
		if hashSyms {
			s.SymbolWords++
		}
		if repetition {
			s.wordHash = append(s.wordHash, h)
			s.wordLen = append(s.wordLen, int32(i-wstart))
		}
		inWord = false
	}
	for i := 0; i < len(text); {
		c := text[i]
		size := 1
		var space, alnum bool
		if c < utf8.RuneSelf {
			space = asciiSpace[c]
			alnum = asciiAlnum[c]
			if c == '.' && i+2 < len(text) && text[i+1] == '.' && text[i+2] == '.' {
				s.SymbolWords++
			}
		} else {
			r, n := utf8.DecodeRune(text[i:])
			size = n
			space = unicode.IsSpace(r)
			alnum = unicode.IsLetter(r) || unicode.IsDigit(r)
			if r == '…' {
				s.SymbolWords++
			}
		}
		if space {
			if inWord {
				endWord(i)
			}
		} else {
			s.NonSpace++
			if alnum {
				s.Alnum++
			}
			if !inWord {
				inWord, h, wstart, wchars, hashSyms = true, fnvOffset, i, 0, true
			}
			wchars++
			if c != '#' {
				hashSyms = false
			}
			if repetition {
				for k := 0; k < size; k++ {
					h = (h ^ uint64(text[i+k])) * fnvPrime
				}
			}
		}
		i += size
	}
	if inWord {
		endWord(len(text))
	}
	if repetition {
		s.measureLines(text)
	}
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
		if s.seen.add(para^0x9e3779b97f4a7c15) > 1 { // a different key space from lines
			s.dupParas++
			s.dupParaCh += paraLen
		}
		para, paraLen, paraLines = fnvOffset, 0, 0
	}
	for len(text) > 0 {
		end := len(text)
		for i, c := range text {
			if c == '\n' {
				end = i
				break
			}
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
		lh := uint64(fnvOffset)
		for _, c := range line {
			lh = (lh ^ uint64(c)) * fnvPrime
		}
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
// Calls must go n = 2, 3, 4 in order: each extends the previous hashes.
func (s *TextStats) TopNgramShare(n int) float64 {
	m := len(s.wordHash) - n + 1
	if m < 2 || s.Chars == 0 {
		return 0
	}
	if n == 2 || len(s.gram) == 0 {
		s.gram = append(s.gram[:0], s.wordHash...)
		for k := 1; k < n; k++ {
			s.extend(k)
		}
	} else {
		s.extend(n - 1)
	}
	s.seen.reset(m)
	best, bestAt := 0, 0
	for i := 0; i < m; i++ {
		if c := s.seen.add(s.gram[i]); c > best {
			best, bestAt = c, i
		}
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

var asciiSpace, asciiAlnum [128]bool

func init() {
	for _, c := range " \t\n\r\v\f" {
		asciiSpace[c] = true
	}
	for c := 0; c < 128; c++ {
		asciiAlnum[c] = c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
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

// add counts key and returns its count so far.
func (c *counter) add(key uint64) int {
	i := mix(key) & c.mask
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

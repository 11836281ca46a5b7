// Package quality holds ff-clean's text rules: normalization, validation of
// canonical rows, the named quality filters (Gopher-style repetition and
// character ratios), PII redaction, refusal phrases and language id.
package quality

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalizer names, as --normalize takes them.
const (
	NormNFC         = "nfc"
	NormControl     = "control"
	NormTrim        = "trim"
	NormBlankLines  = "blank-lines"
	NormEmptySystem = "empty-system"
)

// AllNormalizations is --normalize's default, in the order they are applied.
var AllNormalizations = []string{NormControl, NormNFC, NormBlankLines, NormTrim, NormEmptySystem}

// Normalizer edits the text of each turn. Each step can be switched off.
type Normalizer struct {
	Control     bool // drop control characters but \n and \t; \r\n and \r become \n
	NFC         bool // Unicode NFC
	BlankLines  bool // runs of blank lines become one blank line
	Trim        bool // leading and trailing whitespace of each turn removed
	EmptySystem bool // a system prompt that is empty becomes null
}

// ParseNormalizer reads a comma-separated list ("all", "none" or names).
func ParseNormalizer(list string) (Normalizer, error) {
	var n Normalizer
	for _, name := range strings.Split(list, ",") {
		switch strings.TrimSpace(name) {
		case "all":
			n = Normalizer{true, true, true, true, true}
		case "none", "":
		case NormNFC:
			n.NFC = true
		case NormControl:
			n.Control = true
		case NormTrim:
			n.Trim = true
		case NormBlankLines:
			n.BlankLines = true
		case NormEmptySystem:
			n.EmptySystem = true
		default:
			return n, fmt.Errorf("unknown normalization %q (want %s, all or none)", name, strings.Join(AllNormalizations, ", "))
		}
	}
	return n, nil
}

// Any reports whether any text step is on.
func (n *Normalizer) Any() bool { return n.Control || n.NFC || n.BlankLines || n.Trim }

// Text returns src normalized, appending to dst only when something changes
// (changed=false returns src itself: the common case costs one scan).
func (n *Normalizer) Text(dst, src []byte) (out []byte, changed bool) {
	if !n.needsWork(src) {
		return src, false
	}
	start := len(dst)
	t := src
	if n.Control {
		dst = appendWithoutControls(dst, t)
		t = dst[start:]
	}
	if n.NFC && !isASCII(t) && !norm.NFC.IsNormal(t) {
		tmp := norm.NFC.Append(nil, t...)
		dst = append(dst[:start], tmp...)
		t = dst[start:]
	}
	if n.BlankLines {
		tmp := collapseBlankLines(nil, t)
		dst = append(dst[:start], tmp...)
		t = dst[start:]
	}
	if n.Trim {
		t = trimSpace(t)
	}
	if string(t) == string(src) {
		return src, false
	}
	return t, true
}

// needsWork is a quick scan: no control bytes, no text that NFC would
// change, no run of blank lines and no surrounding whitespace mean nothing
// to do. Printable ASCII is skipped eight bytes at a time.
func (n *Normalizer) needsWork(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	if n.Trim && (isSpaceByte(s[0]) || isSpaceByte(s[len(s)-1]) || s[0] >= utf8.RuneSelf || s[len(s)-1] >= utf8.RuneSelf) {
		return true // (non-ASCII ends may be Unicode spaces: let the slow path decide)
	}
	const spaces = 0x2020202020202020
	checkNFC := false
	lineBlank, blanks := true, 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) {
			x := binary.LittleEndian.Uint64(s[i:])
			if printable8(x) {
				if x != spaces {
					lineBlank = false
				}
				i += 8
				continue
			}
			if high := x & hi8; high != 0 {
				// Printable ASCII before a non-ASCII byte: skip to it.
				if p := bits.TrailingZeros64(high) >> 3; p > 0 {
					keep := uint64(1)<<(8*p) - 1
					if pre := x&keep | spaces&^keep; printable8(pre) {
						if pre != spaces {
							lineBlank = false
						}
						i += p
						continue
					}
				}
			} else {
				nl, tab := eq8(x, '\n'), eq8(x, '\t')
				ctrl := ^ge8(x, 0x20)&hi8 | eq8(x, 0x7f)
				if ctrl&^(nl|tab) == 0 {
					// Printable ASCII, tabs and newlines: the lines' ends
					// and blankness come from the masks.
					nonBlank := ^(eq8(x, ' ') | tab | nl) & hi8
					done := uint64(0) // bits of the bytes already accounted for
					for ; nl != 0; nl &= nl - 1 {
						end := nl & -nl
						if nonBlank&(end-1)&^done != 0 {
							lineBlank = false
						}
						if lineBlank {
							blanks++
							if blanks >= 2 && n.BlankLines {
								return true // a second blank line in a row
							}
						} else {
							blanks = 0
						}
						lineBlank = true
						done = end<<1 - 1
					}
					if nonBlank&^done != 0 {
						lineBlank = false
					}
					i += 8
					continue
				}
			}
		}
		c := s[i]
		switch {
		case c >= 0x20 && c < 0x7f:
			if c != ' ' {
				lineBlank = false
			}
		case c == '\n':
			if lineBlank {
				blanks++
				if blanks >= 2 && n.BlankLines {
					return true // a second blank line in a row
				}
			} else {
				blanks = 0
			}
			lineBlank = true
		case c == '\t':
		case c >= utf8.RuneSelf:
			var r rune
			size := 2
			if c >= 0xc2 && c < 0xe0 && i+1 < len(s) && s[i+1]&0xc0 == 0x80 {
				r = rune(c&0x1f)<<6 | rune(s[i+1]&0x3f) // two bytes, decoded inline
			} else {
				r, size = utf8.DecodeRune(s[i:])
			}
			i += size
			lineBlank = false
			if r <= 0x9f { // C1 controls (and invalid bytes, decoded as U+FFFD, are not here)
				if n.Control {
					return true
				}
			} else if !nfcStable(r) {
				checkNFC = true
			}
			continue
		default: // other C0 controls, DEL
			if n.Control {
				return true
			}
		}
		i++
	}
	return checkNFC && n.NFC && !norm.NFC.IsNormal(s)
}

// nfcStable reports whether NFC leaves r alone whatever surrounds it: Latin-1
// and Latin Extended letters (below the combining marks at U+0300), Cyrillic
// letters, general punctuation and CJK ideographs. Other runes take the full check.
func nfcStable(r rune) bool {
	return r < 0x300 || r >= 0x400 && r < 0x483 || r >= 0x2010 && r < 0x2028 ||
		r >= 0x2030 && r < 0x205f || r >= 0x4e00 && r < 0xa000
}

// printable8 reports whether the 8 bytes of x are all in 0x20..0x7e.
func printable8(x uint64) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	del := x ^ (lo * 0x7f)
	bad := (x - lo*0x20) &^ x
	bad |= (del - lo) &^ del
	bad |= x
	return bad&hi == 0
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func isASCII(s []byte) bool {
	for _, c := range s {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func appendWithoutControls(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\r':
				dst = append(dst, '\n')
				if i+1 < len(s) && s[i+1] == '\n' {
					i++
				}
			case c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f):
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if !unicode.IsControl(r) && r != utf8.RuneError {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}

// collapseBlankLines keeps at most one blank (whitespace-only) line in a row.
func collapseBlankLines(dst, s []byte) []byte {
	prevBlank := false
	for len(s) > 0 {
		line := s
		nl := false
		for i, c := range s {
			if c == '\n' {
				line, nl = s[:i], true
				break
			}
		}
		s = s[len(line):]
		if nl {
			s = s[1:]
		}
		blank := len(trimSpace(line)) == 0
		if blank && prevBlank {
			continue
		}
		prevBlank = blank
		dst = append(dst, line...)
		if nl {
			dst = append(dst, '\n')
		}
	}
	return dst
}

// trimSpace trims Unicode white space at both ends.
func trimSpace(s []byte) []byte {
	for len(s) > 0 {
		r, size := utf8.DecodeRune(s)
		if !unicode.IsSpace(r) {
			break
		}
		s = s[size:]
	}
	for len(s) > 0 {
		r, size := utf8.DecodeLastRune(s)
		if !unicode.IsSpace(r) {
			break
		}
		s = s[:len(s)-size]
	}
	return s
}

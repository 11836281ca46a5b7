package quality

import (
	"sync"
	"unicode"
)

// bmpClasses holds, for every rune of the Basic Multilingual Plane, whether
// it is white space and whether it is a letter or digit, as bit sets built
// from the unicode package (so they agree with it by construction). Text
// statistics look runes up here instead of searching Unicode's range tables
// rune by rune.
type bmpClasses struct {
	space, alnum [1 << 16 / 64]uint64
}

var (
	classesOnce sync.Once
	classes     *bmpClasses
)

// runeClasses builds the tables on first use (a few milliseconds, and only
// for runs that meet non-ASCII text).
func runeClasses() *bmpClasses {
	classesOnce.Do(func() {
		c := new(bmpClasses)
		for r := rune(0); r < 1<<16; r++ {
			if unicode.IsSpace(r) {
				c.space[r>>6] |= 1 << (r & 63)
			} else if unicode.IsLetter(r) || unicode.IsDigit(r) {
				c.alnum[r>>6] |= 1 << (r & 63)
			}
		}
		classes = c
	})
	return classes
}

// class reports whether r is white space, and (if not) whether it is a
// letter or digit.
func (c *bmpClasses) class(r rune) (space, alnum bool) {
	if r < 1<<16 {
		return c.space[r>>6]>>(r&63)&1 != 0, c.alnum[r>>6]>>(r&63)&1 != 0
	}
	space = unicode.IsSpace(r)
	return space, !space && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

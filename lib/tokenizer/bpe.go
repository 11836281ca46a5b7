package tokenizer

import (
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// bpe is the BPE model. Byte-level models work on raw bytes: a word's first
// symbols come from byteIDs, and merges are looked up by id, so encoding
// never builds byte-level strings.
type bpe struct {
	vocab     map[string]int32 // token → id; byte-level: keyed by raw bytes, and only for ignore_merges
	merges    map[uint64]merge // (left id, right id) → rank and result
	byteLevel bool
	byteIDs   [256]int32 // byte-level: id of each single byte, -1 if absent

	byteFallback bool
	fallbackIDs  [256]int32 // "<0xXX>" tokens, -1 if absent
	unk          int32      // -1: no unknown token
	fuseUnk      bool
	ignoreMerges bool

	cache wordCache
}

type merge struct {
	rank int32
	id   int32
}

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// scratch is one goroutine's reusable working memory for an Encode call.
type scratch struct {
	segs, subs  []segment
	src, pieces []string
	ids         []int32
	next        []int32
	prev        []int32
	heap        []uint64 // rank<<32 | position
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// encodeWord appends the ids of one pre-tokenized piece to out.
func (m *bpe) encodeWord(out []int32, w string, sc *scratch) []int32 {
	if w == "" {
		return out
	}
	if ids, ok := m.cache.get(w); ok {
		return append(out, ids...)
	}
	if m.ignoreMerges {
		if id, ok := m.vocab[w]; ok {
			return append(out, id)
		}
	}
	start := len(out)
	out = m.merge(out, w, sc)
	m.cache.put(w, out[start:])
	return out
}

// initial fills sc.ids with the word's first symbols: bytes for byte-level
// models, else characters, falling back to <0xXX> byte tokens or unk.
func (m *bpe) initial(w string, sc *scratch) {
	ids := sc.ids[:0]
	if m.byteLevel {
		for i := 0; i < len(w); i++ {
			id := m.byteIDs[w[i]]
			if id < 0 {
				id = m.unk
			}
			if id >= 0 {
				ids = append(ids, id)
			}
		}
		sc.ids = ids
		return
	}
	lastUnk := false
	for i := 0; i < len(w); {
		_, n := utf8.DecodeRuneInString(w[i:])
		if id, ok := m.vocab[w[i:i+n]]; ok {
			ids = append(ids, id)
			lastUnk = false
			i += n
			continue
		}
		if m.byteFallback {
			all := true
			for k := i; k < i+n; k++ {
				if m.fallbackIDs[w[k]] < 0 {
					all = false
				}
			}
			if all {
				for k := i; k < i+n; k++ {
					ids = append(ids, m.fallbackIDs[w[k]])
				}
				lastUnk = false
				i += n
				continue
			}
		}
		if m.unk >= 0 && !(m.fuseUnk && lastUnk) {
			ids = append(ids, m.unk)
		}
		lastUnk = true
		i += n
	}
	sc.ids = ids
}

// merge applies merges lowest rank first, leftmost first among equal ranks
// (Hugging Face's order), with a binary heap over a linked list of symbols:
// O(n log n) even for the long unsplit words of SentencePiece models.
func (m *bpe) merge(out []int32, w string, sc *scratch) []int32 {
	m.initial(w, sc)
	n := len(sc.ids)
	if n < 2 {
		return append(out, sc.ids...)
	}
	ids := sc.ids
	sc.next = grow(sc.next, n)
	sc.prev = grow(sc.prev, n)
	next, prev := sc.next, sc.prev
	h := sc.heap[:0]
	for i := 0; i < n; i++ {
		next[i] = int32(i + 1)
		prev[i] = int32(i - 1)
		if i+1 < n {
			if mg, ok := m.merges[pairKey(ids[i], ids[i+1])]; ok {
				h = heapPush(h, uint64(mg.rank)<<32|uint64(i))
			}
		}
	}
	next[n-1] = -1
	for len(h) > 0 {
		var top uint64
		top, h = heapPop(h)
		rank, pos := int32(top>>32), int32(uint32(top))
		if ids[pos] < 0 {
			continue // merged into its left neighbour since
		}
		r := next[pos]
		if r < 0 {
			continue
		}
		mg, ok := m.merges[pairKey(ids[pos], ids[r])]
		if !ok || mg.rank != rank {
			continue // a stale entry: one side changed
		}
		ids[pos] = mg.id
		ids[r] = -1
		nr := next[r]
		next[pos] = nr
		if nr >= 0 {
			prev[nr] = pos
			if mg2, ok := m.merges[pairKey(mg.id, ids[nr])]; ok {
				h = heapPush(h, uint64(mg2.rank)<<32|uint64(pos))
			}
		}
		if l := prev[pos]; l >= 0 {
			if mg2, ok := m.merges[pairKey(ids[l], mg.id)]; ok {
				h = heapPush(h, uint64(mg2.rank)<<32|uint64(l))
			}
		}
	}
	sc.heap = h
	for i := int32(0); i >= 0; i = next[i] {
		out = append(out, ids[i])
	}
	return out
}

func grow(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n, 2*n)
	}
	return s[:n]
}

func heapPush(h []uint64, x uint64) []uint64 {
	h = append(h, x)
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if h[p] <= h[i] {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
	return h
}

func heapPop(h []uint64) (uint64, []uint64) {
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		l, r, s := 2*i+1, 2*i+2, i
		if l < len(h) && h[l] < h[s] {
			s = l
		}
		if r < len(h) && h[r] < h[s] {
			s = r
		}
		if s == i {
			break
		}
		h[i], h[s] = h[s], h[i]
		i = s
	}
	return top, h
}

// wordCache remembers the ids of words already merged: a direct-mapped
// table of immutable entries. A read is one hash, one atomic load and one
// string compare, with no lock, so parallel encoders do not contend; a
// collision simply replaces the older entry.
type wordCache struct {
	slots [cacheSlots]atomic.Pointer[cacheEntry]
}

type cacheEntry struct {
	word string
	ids  []int32
}

const (
	cacheSlots   = 1 << 18 // 2 MB of pointers; collisions are rare below ~100k distinct words
	cacheMaxWord = 64      // longer words are rare and not worth keeping
)

var cacheSeed = maphash.MakeSeed()

func (c *wordCache) get(w string) ([]int32, bool) {
	if len(w) > cacheMaxWord {
		return nil, false
	}
	e := c.slots[maphash.String(cacheSeed, w)&(cacheSlots-1)].Load()
	if e == nil || e.word != w {
		return nil, false
	}
	return e.ids, true
}

func (c *wordCache) put(w string, ids []int32) {
	if len(w) > cacheMaxWord {
		return
	}
	// Clone: w usually points into a whole row of text.
	e := &cacheEntry{strings.Clone(w), append([]int32(nil), ids...)}
	c.slots[maphash.String(cacheSeed, w)&(cacheSlots-1)].Store(e)
}

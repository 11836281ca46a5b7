package tokenizer

import (
	"bytes"
	"container/heap"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"golang.org/x/text/unicode/norm"
)

// DefaultSpecialTokens are the added tokens a trained tokenizer gets when
// none are given: Qwen2's end-of-text and chat markers.
var DefaultSpecialTokens = []string{"<|endoftext|>", "<|im_start|>", "<|im_end|>"}

// TrainByteLevelBPE learns a byte-level BPE tokenizer from texts and returns
// its tokenizer.json, Qwen2-style: NFC, the Qwen2 split regex, ByteLevel,
// the 256 byte tokens first, then merges, then the special tokens (nil:
// DefaultSpecialTokens) as added special tokens. vocabSize counts all
// three; training stops early only when every word is a single token. The result is
// deterministic: ties between equally frequent pairs go to the pair whose
// bytes sort first.
func TrainByteLevelBPE(texts []string, vocabSize int, special []string) ([]byte, error) {
	if special == nil {
		special = DefaultSpecialTokens
	}
	target := vocabSize - len(special)
	if target < 256 {
		return nil, fmt.Errorf("vocab size %d leaves no room for the 256 byte tokens and %d special tokens", vocabSize, len(special))
	}
	tr := newTrainer(texts)
	tr.run(target)
	return tr.tokenizerJSON(special), nil
}

// ByteLevelConfigJSON is the tokenizer_config.json matching a trained
// tokenizer: no BOS, EOS <|im_end|> (else the last special token), padding
// with <|endoftext|> (else the first).
func ByteLevelConfigJSON(special []string) []byte {
	if special == nil {
		special = DefaultSpecialTokens
	}
	has := map[string]bool{}
	for _, s := range special {
		has[s] = true
	}
	eos, pad := "", ""
	if len(special) > 0 {
		eos, pad = special[len(special)-1], special[0]
	}
	if has["<|im_end|>"] {
		eos = "<|im_end|>"
	}
	if has["<|endoftext|>"] {
		pad = "<|endoftext|>"
	}
	cfg := map[string]any{
		"add_bos_token":                false,
		"add_prefix_space":             false,
		"bos_token":                    nil,
		"eos_token":                    nilIfEmpty(eos),
		"pad_token":                    nilIfEmpty(pad),
		"unk_token":                    nil,
		"model_max_length":             32768,
		"clean_up_tokenization_spaces": false,
		"errors":                       "replace",
		"tokenizer_class":              "Qwen2Tokenizer",
	}
	b, _ := json.MarshalIndent(cfg, "", "  ")
	return append(b, '\n')
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// WriteTrainedByteLevelBPE trains on texts and writes dir/tokenizer.json and
// dir/tokenizer_config.json.
func WriteTrainedByteLevelBPE(dir string, texts []string, vocabSize int, special []string) error {
	tj, err := TrainByteLevelBPE(texts, vocabSize, special)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), tj, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), ByteLevelConfigJSON(special), 0o644)
}

// trainer holds the corpus as distinct words of symbol ids with counts,
// the count of every adjacent pair and which words contain it.
type trainer struct {
	words  [][]int32
	freq   []int
	tokens [][]byte // id → bytes
	ids    map[string]int32
	merges [][2]int32
	pairs  map[uint64]int
	where  map[uint64]map[int32]struct{}
	queue  pairQueue
}

func newTrainer(texts []string) *trainer {
	split := &splitPre{m: knownPattern(patternQwen2), behavior: isolated}
	counts := map[string]int{}
	for _, t := range texts {
		t = norm.NFC.String(ValidUTF8(t))
		for _, w := range split.split(nil, []string{t}, true) {
			counts[w]++
		}
	}
	keys := make([]string, 0, len(counts))
	for w := range counts {
		keys = append(keys, w)
	}
	sort.Strings(keys)
	tr := &trainer{ids: map[string]int32{}, pairs: map[uint64]int{}, where: map[uint64]map[int32]struct{}{}}
	for b := 0; b < 256; b++ {
		tr.tokens = append(tr.tokens, []byte{byte(b)})
		tr.ids[string([]byte{byte(b)})] = int32(b)
	}
	for wi, w := range keys {
		syms := make([]int32, len(w))
		for i := 0; i < len(w); i++ {
			syms[i] = int32(w[i])
		}
		tr.words = append(tr.words, syms)
		tr.freq = append(tr.freq, counts[w])
		tr.addPairs(int32(wi), +1)
	}
	for k, c := range tr.pairs {
		heap.Push(&tr.queue, pairEntry{k, c, tr})
	}
	return tr
}

// addPairs adds (sign +1) or removes (-1) word wi's pairs from the counts.
func (tr *trainer) addPairs(wi int32, sign int) {
	w, f := tr.words[wi], tr.freq[wi]
	for i := 0; i+1 < len(w); i++ {
		k := pairKey(w[i], w[i+1])
		tr.pairs[k] += sign * f
		if sign > 0 {
			set := tr.where[k]
			if set == nil {
				set = map[int32]struct{}{}
				tr.where[k] = set
			}
			set[wi] = struct{}{}
		}
	}
}

func (tr *trainer) run(target int) {
	for len(tr.tokens) < target && tr.queue.Len() > 0 {
		e := heap.Pop(&tr.queue).(pairEntry)
		if c := tr.pairs[e.key]; c != e.count {
			if c > 0 {
				heap.Push(&tr.queue, pairEntry{e.key, c, tr})
			}
			continue // stale
		}
		if e.count < 1 {
			break
		}
		a, b := int32(e.key>>32), int32(uint32(e.key))
		merged := append(append([]byte(nil), tr.tokens[a]...), tr.tokens[b]...)
		id, ok := tr.ids[string(merged)]
		if !ok {
			id = int32(len(tr.tokens))
			tr.tokens = append(tr.tokens, merged)
			tr.ids[string(merged)] = id
		}
		tr.merges = append(tr.merges, [2]int32{a, b})
		touched := map[uint64]bool{}
		affected := make([]int32, 0, len(tr.where[e.key]))
		for wi := range tr.where[e.key] {
			affected = append(affected, wi)
		}
		sort.Slice(affected, func(i, j int) bool { return affected[i] < affected[j] })
		for _, wi := range affected {
			w := tr.words[wi]
			for i := 0; i+1 < len(w); i++ {
				touched[pairKey(w[i], w[i+1])] = true
			}
			tr.addPairs(wi, -1)
			out := w[:0]
			for i := 0; i < len(w); i++ {
				if i+1 < len(w) && w[i] == a && w[i+1] == b {
					out = append(out, id)
					i++
				} else {
					out = append(out, w[i])
				}
			}
			tr.words[wi] = out
			tr.addPairs(wi, +1)
			for i := 0; i+1 < len(out); i++ {
				touched[pairKey(out[i], out[i+1])] = true
			}
		}
		delete(tr.where, e.key)
		delete(tr.pairs, e.key)
		keys := make([]uint64, 0, len(touched))
		for k := range touched {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
		for _, k := range keys {
			if c := tr.pairs[k]; c > 0 && k != e.key {
				heap.Push(&tr.queue, pairEntry{k, c, tr})
			}
		}
	}
}

// pairEntry is a queued pair with the count it had when queued.
type pairEntry struct {
	key   uint64
	count int
	tr    *trainer
}

type pairQueue []pairEntry

func (q pairQueue) Len() int { return len(q) }
func (q pairQueue) Less(i, j int) bool {
	if q[i].count != q[j].count {
		return q[i].count > q[j].count
	}
	return q[i].tr.pairLess(q[i].key, q[j].key)
}
func (q pairQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *pairQueue) Push(x any)   { *q = append(*q, x.(pairEntry)) }
func (q *pairQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// pairLess orders pairs by their tokens' bytes, left then right.
func (tr *trainer) pairLess(x, y uint64) bool {
	xa, xb := tr.tokens[int32(x>>32)], tr.tokens[int32(uint32(x))]
	ya, yb := tr.tokens[int32(y>>32)], tr.tokens[int32(uint32(y))]
	if c := bytes.Compare(xa, ya); c != 0 {
		return c < 0
	}
	return bytes.Compare(xb, yb) < 0
}

func (tr *trainer) tokenizerJSON(special []string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // keep "<|im_end|>" readable
	str := func(s string) {
		enc.Encode(s)
		b.Truncate(b.Len() - 1) // Encode's newline
	}
	b.WriteString("{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": [")
	for i, s := range special {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n    {\"id\": " + strconv.Itoa(len(tr.tokens)+i) + ", \"content\": ")
		str(s)
		b.WriteString(", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": false, \"special\": true}")
	}
	b.WriteString("\n  ],\n  \"normalizer\": {\"type\": \"NFC\"},\n")
	b.WriteString("  \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": {\"Regex\": ")
	str(patternQwen2)
	b.WriteString("}, \"behavior\": \"Isolated\", \"invert\": false}, {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": false, \"use_regex\": false}]},\n")
	b.WriteString("  \"post_processor\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": false, \"use_regex\": false},\n")
	b.WriteString("  \"decoder\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": false, \"use_regex\": false},\n")
	b.WriteString("  \"model\": {\n    \"type\": \"BPE\", \"dropout\": null, \"unk_token\": null, \"continuing_subword_prefix\": \"\", \"end_of_word_suffix\": \"\",\n")
	b.WriteString("    \"fuse_unk\": false, \"byte_fallback\": false, \"ignore_merges\": false,\n    \"vocab\": {")
	for id, tok := range tr.tokens {
		if id > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n      ")
		str(byteLevelEncode(string(tok)))
		b.WriteString(": " + strconv.Itoa(id))
	}
	b.WriteString("\n    },\n    \"merges\": [")
	for i, m := range tr.merges {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n      [")
		str(byteLevelEncode(string(tr.tokens[m[0]])))
		b.WriteString(", ")
		str(byteLevelEncode(string(tr.tokens[m[1]])))
		b.WriteString("]")
	}
	b.WriteString("\n    ]\n  }\n}\n")
	return b.Bytes()
}

package tokenizer

import (
	"encoding/json"
	"fmt"
	"strings"
)

// fileSpec is the part of tokenizer.json we read; components stay raw until
// built, so an unknown one can be named in the error.
type fileSpec struct {
	AddedTokens   []*AddedToken   `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	Model         json.RawMessage `json:"model"`
	Decoder       json.RawMessage `json:"decoder"`
	PostProcessor json.RawMessage `json:"post_processor"`
}

type typed struct {
	Type string `json:"type"`
}

// pattern is Split's and Replace's {"String": ...} or {"Regex": ...}.
type pattern struct {
	String *string `json:"String"`
	Regex  *string `json:"Regex"`
}

func isNull(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s == "" || s == "null"
}

func typeOf(raw json.RawMessage) (string, error) {
	var t typed
	if err := json.Unmarshal(raw, &t); err != nil {
		return "", err
	}
	return t.Type, nil
}

// modelSpec is tokenizer.json's BPE model.
type modelSpec struct {
	Type                    string           `json:"type"`
	VocabJSON               json.RawMessage  `json:"vocab"`
	Vocab                   map[string]int32 `json:"-"`
	Merges                  json.RawMessage  `json:"merges"`
	Dropout                 *float64         `json:"dropout"`
	UnkToken                *string          `json:"unk_token"`
	ContinuingSubwordPrefix *string          `json:"continuing_subword_prefix"`
	EndOfWordSuffix         *string          `json:"end_of_word_suffix"`
	FuseUnk                 bool             `json:"fuse_unk"`
	ByteFallback            bool             `json:"byte_fallback"`
	IgnoreMerges            bool             `json:"ignore_merges"`
}

// buildBPE builds the model; byteLevel re-keys the vocabulary by raw bytes.
func buildBPE(raw json.RawMessage, byteLevel bool) (*bpe, *modelSpec, error) {
	var ms modelSpec
	if err := json.Unmarshal(raw, &ms); err != nil {
		return nil, nil, fmt.Errorf("model: %w", err)
	}
	var err error
	if ms.Vocab, err = scanVocab(ms.VocabJSON); err != nil {
		if err := json.Unmarshal(ms.VocabJSON, &ms.Vocab); err != nil {
			return nil, nil, fmt.Errorf("model: vocab: %w", err)
		}
	}
	if ms.Type != "BPE" && !(ms.Type == "" && !isNull(ms.Merges)) {
		return nil, nil, fmt.Errorf("unsupported model %q (supported: BPE)", ms.Type)
	}
	if ms.Dropout != nil && *ms.Dropout != 0 {
		return nil, nil, fmt.Errorf("model BPE: dropout %v is unsupported (encoding would be random)", *ms.Dropout)
	}
	if ms.ContinuingSubwordPrefix != nil && *ms.ContinuingSubwordPrefix != "" {
		return nil, nil, fmt.Errorf("model BPE: continuing_subword_prefix %q is unsupported", *ms.ContinuingSubwordPrefix)
	}
	if ms.EndOfWordSuffix != nil && *ms.EndOfWordSuffix != "" {
		return nil, nil, fmt.Errorf("model BPE: end_of_word_suffix %q is unsupported", *ms.EndOfWordSuffix)
	}
	m := &bpe{
		byteLevel:    byteLevel,
		byteFallback: ms.ByteFallback,
		fuseUnk:      ms.FuseUnk,
		ignoreMerges: ms.IgnoreMerges,
		unk:          -1,
	}
	if byteLevel && ms.IgnoreMerges {
		// Only whole-word lookups need the vocabulary keyed by raw bytes;
		// merging starts from byteIDs.
		m.vocab = make(map[string]int32, len(ms.Vocab))
		for tok, id := range ms.Vocab {
			if b, ok := byteLevelDecode(tok); ok {
				m.vocab[string(b)] = id
			}
		}
	} else if !byteLevel {
		m.vocab = ms.Vocab
	}
	for b := 0; b < 256; b++ {
		m.byteIDs[b], m.fallbackIDs[b] = -1, -1
		if id, ok := ms.Vocab[string(byteChar[b])]; ok && byteLevel {
			m.byteIDs[b] = id
		}
		if id, ok := ms.Vocab[fmt.Sprintf("<0x%02X>", b)]; ok {
			m.fallbackIDs[b] = id
		}
	}
	if ms.UnkToken != nil {
		id, ok := ms.Vocab[*ms.UnkToken]
		if !ok {
			return nil, nil, fmt.Errorf("model BPE: unk_token %q is not in the vocabulary", *ms.UnkToken)
		}
		m.unk = id
	}
	merges, err := parseMerges(ms.Merges)
	if err != nil {
		return nil, nil, fmt.Errorf("model BPE: %w", err)
	}
	m.merges = make(map[uint64]merge, len(merges))
	for rank, mg := range merges {
		a, b := mg[0], mg[1]
		ia, oka := ms.Vocab[a]
		ib, okb := ms.Vocab[b]
		ic, okc := ms.Vocab[a+b]
		if !oka || !okb || !okc {
			return nil, nil, fmt.Errorf("model BPE: merges[%d] %q %q: token missing from the vocabulary", rank, a, b)
		}
		k := pairKey(ia, ib)
		if _, dup := m.merges[k]; !dup { // the first (lowest) rank wins
			m.merges[k] = merge{rank: int32(rank), id: ic}
		}
	}
	return m, &ms, nil
}

// parseMerges reads merges in either encoding: ["a b", ...] or [["a", "b"], ...].
func parseMerges(raw json.RawMessage) ([][2]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	strs, pairs, err := scanMerges(raw)
	if err != nil {
		strs, pairs = nil, nil
		var lists [][]string
		if err := json.Unmarshal(raw, &lists); err == nil {
			for i, p := range lists {
				if len(p) != 2 {
					return nil, fmt.Errorf("merges[%d]: %d tokens, want 2", i, len(p))
				}
				pairs = append(pairs, [2]string{p[0], p[1]})
			}
		} else if err := json.Unmarshal(raw, &strs); err != nil {
			return nil, fmt.Errorf("merges: neither [\"a b\", ...] nor [[\"a\", \"b\"], ...]")
		}
	}
	if pairs != nil {
		return pairs, nil
	}
	out := make([][2]string, len(strs))
	for i, s := range strs {
		a, b, ok := strings.Cut(s, " ")
		if !ok || strings.Contains(b, " ") {
			return nil, fmt.Errorf("merges[%d]: %q is not two tokens separated by one space", i, s)
		}
		out[i] = [2]string{a, b}
	}
	return out, nil
}

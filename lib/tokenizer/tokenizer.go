// Package tokenizer encodes text exactly as Hugging Face's tokenizers
// library does for BPE models: byte-level BPE (GPT-2, Qwen2/2.5/3, Llama 3)
// and SentencePiece-style BPE with byte fallback (Llama 2, TinyLlama,
// Gemma). It reads a model's own tokenizer.json and tokenizer_config.json;
// a component it does not implement is an error naming that component,
// never a silent difference.
package tokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// maxVocab bounds token ids, so a corrupt file cannot ask for a huge table.
const maxVocab = 1 << 24

// Tokenizer is a loaded tokenizer. It is safe for concurrent use.
type Tokenizer struct {
	normalizer normalizer
	pre        preTokenizer
	model      *bpe
	decoder    decoder

	rawAdded  *addedMatcher // added tokens matched on the raw text
	normAdded *addedMatcher // added tokens matched after normalization
	added     []*AddedToken
	tokenIDs  map[string]int32 // vocabulary and added tokens as spelled in tokenizer.json
	idTokens  []string         // id → token ("" for unused ids)

	// Config is what tokenizer_config.json says about special tokens.
	Config Config
}

// Config holds the fields of tokenizer_config.json the project uses.
type Config struct {
	BOS, EOS, PAD, UNK string // special token contents ("" when unset)
	AddBOS, AddEOS     bool
	ModelMaxLength     int64
	TokenizerClass     string
}

// Load reads dir/tokenizer.json and, when present, dir/tokenizer_config.json.
func Load(dir string) (*Tokenizer, error) {
	data, err := os.ReadFile(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		return nil, err
	}
	cfg, err := os.ReadFile(filepath.Join(dir, "tokenizer_config.json"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	t, err := FromJSON(data, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "tokenizer.json"), err)
	}
	return t, nil
}

// FromJSON builds a tokenizer from the contents of tokenizer.json and
// tokenizer_config.json (nil when there is none).
func FromJSON(tokenizerJSON, configJSON []byte) (*Tokenizer, error) {
	var spec fileSpec
	if err := json.Unmarshal(tokenizerJSON, &spec); err != nil {
		return nil, err
	}
	t := &Tokenizer{added: spec.AddedTokens}
	var err error
	if t.normalizer, err = buildNormalizer(spec.Normalizer); err != nil {
		return nil, err
	}
	var byteLevel bool
	if t.pre, byteLevel, err = buildPreTokenizer(spec.PreTokenizer); err != nil {
		return nil, err
	}
	t.pre = simplify(t.pre)
	if isNull(spec.Model) {
		return nil, fmt.Errorf("no model")
	}
	var ms *modelSpec
	if t.model, ms, err = buildBPE(spec.Model, byteLevel); err != nil {
		return nil, err
	}
	if t.decoder, err = buildDecoder(spec.Decoder); err != nil {
		return nil, err
	}
	if err := checkPostProcessor(spec.PostProcessor); err != nil {
		return nil, err
	}

	maxID := int32(-1)
	for tok, id := range ms.Vocab {
		if id < 0 || id >= maxVocab {
			return nil, fmt.Errorf("model: token %q has id %d, outside [0, %d)", tok, id, maxVocab)
		}
		maxID = max(maxID, id)
	}
	for i, a := range spec.AddedTokens {
		if a == nil || a.ID < 0 || a.ID >= maxVocab {
			return nil, fmt.Errorf("added_tokens[%d]: missing or id outside [0, %d)", i, maxVocab)
		}
		maxID = max(maxID, a.ID)
	}
	t.idTokens = make([]string, maxID+1)
	for tok, id := range ms.Vocab {
		t.idTokens[id] = tok
	}
	// A byte-level model no longer needs ms.Vocab, so it becomes the lookup
	// table (saving a copy of 150k entries); a SentencePiece model keeps it
	// for its first symbols, which must not include added tokens.
	t.tokenIDs = ms.Vocab
	if !byteLevel {
		t.tokenIDs = make(map[string]int32, len(ms.Vocab)+len(spec.AddedTokens))
		for tok, id := range ms.Vocab {
			t.tokenIDs[tok] = id
		}
	}
	var raw, normd []*AddedToken
	for _, a := range spec.AddedTokens {
		t.tokenIDs[a.Content] = a.ID
		t.idTokens[a.ID] = a.Content
		if a.Normalized && t.normalizer != nil {
			// Matched in normalized text, so matched in its normalized
			// spelling (a Prepend normalizer gives "▁<tok>"), as HF does.
			n := *a
			n.Content = t.normalizer.normalize(a.Content)
			normd = append(normd, &n)
		} else {
			raw = append(raw, a)
		}
	}
	addedSet := map[string]bool{}
	for _, a := range spec.AddedTokens {
		addedSet[a.Content] = true
	}
	setAdded(t.decoder, addedSet)
	t.rawAdded = newAddedMatcher(raw)
	t.normAdded = newAddedMatcher(normd)
	if len(configJSON) > 0 {
		if t.Config, err = parseConfig(configJSON); err != nil {
			return nil, fmt.Errorf("tokenizer_config.json: %w", err)
		}
	}
	return t, nil
}

// checkPostProcessor accepts the post-processors that only add special
// tokens or adjust offsets; Encode adds no special tokens, so they do not
// change its output.
func checkPostProcessor(raw json.RawMessage) error {
	if isNull(raw) {
		return nil
	}
	typ, err := typeOf(raw)
	if err != nil {
		return fmt.Errorf("post_processor: %w", err)
	}
	switch typ {
	case "ByteLevel", "TemplateProcessing", "BertProcessing", "RobertaProcessing", "Sequence":
		return nil
	}
	return fmt.Errorf("unsupported post_processor %q", typ)
}

func parseConfig(data []byte) (Config, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return Config{}, err
	}
	var c Config
	tokenField := func(k string) string {
		v, ok := raw[k]
		if !ok {
			return ""
		}
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
		var obj struct{ Content string }
		if json.Unmarshal(v, &obj) == nil {
			return obj.Content
		}
		return ""
	}
	c.BOS, c.EOS, c.PAD, c.UNK = tokenField("bos_token"), tokenField("eos_token"), tokenField("pad_token"), tokenField("unk_token")
	json.Unmarshal(raw["add_bos_token"], &c.AddBOS)
	json.Unmarshal(raw["add_eos_token"], &c.AddEOS)
	var mml float64
	if json.Unmarshal(raw["model_max_length"], &mml) == nil && mml > 0 && mml < 1<<62 {
		c.ModelMaxLength = int64(mml)
	}
	json.Unmarshal(raw["tokenizer_class"], &c.TokenizerClass)
	return c, nil
}

// Encode returns the ids of text without adding special tokens (Hugging
// Face's add_special_tokens=False); added and special tokens written in the
// text are still recognized. Invalid UTF-8 is first replaced (ValidUTF8).
func (t *Tokenizer) Encode(text string) []int32 { return t.AppendEncode(nil, text) }

// AppendEncode appends the ids of text to dst.
func (t *Tokenizer) AppendEncode(dst []int32, text string) []int32 {
	text = ValidUTF8(text)
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	sc.segs = t.rawAdded.split(sc.segs[:0], text, 0)
	for _, seg := range sc.segs {
		if seg.id >= 0 {
			dst = append(dst, seg.id)
			continue
		}
		s := seg.text
		if t.normalizer != nil {
			s = t.normalizer.normalize(s)
		}
		sc.subs = t.normAdded.split(sc.subs[:0], s, 0)
		for k, sub := range sc.subs {
			if sub.id >= 0 {
				dst = append(dst, sub.id)
				continue
			}
			sc.src = append(sc.src[:0], sub.text)
			pieces := sc.src
			if t.pre != nil {
				sc.pieces = t.pre.split(sc.pieces[:0], sc.src, seg.start == 0 && k == 0)
				pieces = sc.pieces
			}
			for _, p := range pieces {
				dst = t.model.encodeWord(dst, p, sc)
			}
		}
	}
	clear(sc.pieces) // drop references to the text
	clear(sc.segs)
	clear(sc.subs)
	clear(sc.src)
	return dst
}

// Decode turns ids back into text through the tokenizer's decoder, special
// tokens included. Ids outside the vocabulary are skipped.
func (t *Tokenizer) Decode(ids []int32) string {
	toks := make([]string, 0, len(ids))
	for _, id := range ids {
		if tok, ok := t.IDToken(id); ok {
			toks = append(toks, tok)
		}
	}
	if t.decoder == nil {
		return strings.Join(toks, " ")
	}
	return strings.Join(t.decoder.decode(toks), "")
}

// Tokens returns the token strings of ids as tokenizer.json spells them
// ("Ġworld", "▁the", "<|im_end|>"); unknown ids give "".
func (t *Tokenizer) Tokens(ids []int32) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i], _ = t.IDToken(id)
	}
	return out
}

// VocabSize is one more than the largest id of the vocabulary and the added
// tokens, so every id Encode returns is below it.
func (t *Tokenizer) VocabSize() int { return len(t.idTokens) }

// TokenID looks up a token (vocabulary or added) by its tokenizer.json spelling.
func (t *Tokenizer) TokenID(s string) (int32, bool) {
	id, ok := t.tokenIDs[s]
	return id, ok
}

// IDToken is the inverse of TokenID.
func (t *Tokenizer) IDToken(id int32) (string, bool) {
	if id < 0 || int(id) >= len(t.idTokens) || t.idTokens[id] == "" {
		return "", false
	}
	return t.idTokens[id], true
}

// AddedTokens lists tokenizer.json's added tokens.
func (t *Tokenizer) AddedTokens() []AddedToken {
	out := make([]AddedToken, len(t.added))
	for i, a := range t.added {
		out[i] = *a
	}
	return out
}

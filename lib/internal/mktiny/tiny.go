package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/flock-off/ff/lib/chat"
	"github.com/flock-off/ff/lib/record"
	"github.com/flock-off/ff/lib/tokenizer"
)

// Shape of the tiny model: small enough to pre-train in minutes on two cores
// and to LoRA-train in a test, big enough to learn the corpus' formats.
const (
	vocabSize  = 1024
	hidden     = 96
	layers     = 3
	heads      = 6
	kvHeads    = 2
	interm     = 256
	ropeTheta  = 10000.0
	rmsNormEps = 1e-6
	maxPos     = 2048
)

// configJSON is the tiny model's config.json, shaped like Qwen2.5's.
func configJSON() []byte {
	cfg := map[string]any{
		"architectures":           []string{"Qwen2ForCausalLM"},
		"model_type":              "qwen2",
		"hidden_size":             hidden,
		"intermediate_size":       interm,
		"num_hidden_layers":       layers,
		"num_attention_heads":     heads,
		"num_key_value_heads":     kvHeads,
		"vocab_size":              vocabSize,
		"max_position_embeddings": maxPos,
		"rope_theta":              ropeTheta,
		"rms_norm_eps":            rmsNormEps,
		"hidden_act":              "silu",
		"tie_word_embeddings":     true,
		"torch_dtype":             "float32",
		"bos_token_id":            nil,
		"eos_token_id":            vocabSize - 1, // <|im_end|>, the last special token
		"use_sliding_window":      false,
	}
	b, _ := json.MarshalIndent(cfg, "", "  ")
	return append(b, '\n')
}

// readRows reads canonical SFT rows of a corpus file.
func readRows(path string) ([]*record.Record, error) {
	recs, bad, err := record.ReadAll(nil, path, nil)
	if err != nil {
		return nil, err
	}
	if len(bad) > 0 {
		return nil, bad[0]
	}
	return recs, nil
}

// tokenizerTexts are the segments the tokenizer learns from: every message
// of the pre-training rows and the default system prompt.
func tokenizerTexts(rows []*record.Record) ([]string, error) {
	texts := []string{"You are a helpful assistant.", "system", "user", "assistant"}
	for _, r := range rows {
		row, err := chat.ParseRow(r.Raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", r.Source, err)
		}
		for _, m := range row.Conversations {
			texts = append(texts, m.Content)
		}
	}
	return texts, nil
}

// writeTokenizer trains the tokenizer and writes tokenizer.json,
// tokenizer_config.json and config.json into dir.
func writeTokenizer(dir string, rows []*record.Record) (*tokenizer.Tokenizer, error) {
	texts, err := tokenizerTexts(rows)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := tokenizer.WriteTrainedByteLevelBPE(dir, texts, vocabSize, nil); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), configJSON(), 0o644); err != nil {
		return nil, err
	}
	tok, err := tokenizer.Load(dir)
	if err != nil {
		return nil, err
	}
	if tok.VocabSize() != vocabSize {
		return nil, fmt.Errorf("trained tokenizer has %d tokens, want %d", tok.VocabSize(), vocabSize)
	}
	if id, ok := tok.TokenID("<|im_end|>"); !ok || id != vocabSize-1 {
		return nil, fmt.Errorf("<|im_end|> is %d, want %d", id, vocabSize-1)
	}
	return tok, nil
}

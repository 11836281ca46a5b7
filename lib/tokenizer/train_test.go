package tokenizer

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// trainCorpus is a small built-in corpus so the trainer's tests need no fixtures.
var trainCorpus = strings.Split(`The quick brown fox jumps over the lazy dog.
A tokenizer splits text into pieces, and the pieces into tokens.
Byte-level BPE starts from the 256 bytes and merges the most frequent pair, again and again.
Miners build datasets; validators train on them and measure the evaluation loss.
Numbers like 2048, 3.14 and 1,000,000 are split digit by digit in Qwen2.
你好，世界。Emoji 👍 and accents: café, naïve, Ångström.
The the the quick quick brown brown fox fox.`, "\n")

func TestTrainByteLevelBPE(t *testing.T) {
	tj, err := TrainByteLevelBPE(trainCorpus, 400, nil)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := TrainByteLevelBPE(trainCorpus, 400, nil)
	if !bytes.Equal(tj, again) {
		t.Fatal("training is not deterministic")
	}
	tok, err := FromJSON(tj, ByteLevelConfigJSON(nil))
	if err != nil {
		t.Fatalf("trained tokenizer does not load: %v", err)
	}
	if got := tok.VocabSize(); got != 400 {
		t.Errorf("VocabSize = %d, want 400", got)
	}
	for i, s := range DefaultSpecialTokens {
		id, ok := tok.TokenID(s)
		if !ok || int(id) != 400-len(DefaultSpecialTokens)+i {
			t.Errorf("TokenID(%q) = %d, %v", s, id, ok)
		}
	}
	if tok.Config.EOS != "<|im_end|>" || tok.Config.PAD != "<|endoftext|>" {
		t.Errorf("config: %+v", tok.Config)
	}
	// Merges must shorten the training text and round-trip it.
	for _, s := range trainCorpus {
		ids := tok.Encode(s)
		if len(ids) >= len(s) && len(s) > 20 {
			t.Errorf("%q: %d tokens for %d bytes: no merges applied", s, len(ids), len(s))
		}
		if got := tok.Decode(ids); got != s {
			t.Errorf("round trip %q → %q", s, got)
		}
	}
	if ids := tok.Encode("<|im_start|>user"); ids[0] != 398 {
		t.Errorf("special token not matched: %v", ids)
	}
}

func TestTrainTooSmall(t *testing.T) {
	if _, err := TrainByteLevelBPE(trainCorpus, 100, nil); err == nil {
		t.Fatal("vocab 100 < 256 bytes: want an error")
	}
}

// TestTrainedMatchesReference: a tokenizer the trainer writes loads in
// @huggingface/tokenizers and encodes exactly as ours does.
func TestTrainedMatchesReference(t *testing.T) {
	dir := t.TempDir()
	if err := WriteTrainedByteLevelBPE(dir, trainCorpus, 500, nil); err != nil {
		t.Fatal(err)
	}
	tok, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	texts := append(append([]string{}, trainCorpus...), edgeCases...)
	ref := jsEncode(t, filepath.Join(dir, "tokenizer.json"), filepath.Join(dir, "tokenizer_config.json"), texts)
	compareWithReference(t, tok, texts, ref, true)
	compareWithRust(t, tok, texts, rustEncode(t, filepath.Join(dir, "tokenizer.json"), texts), true)
	if _, err := os.Stat(filepath.Join(dir, "tokenizer_config.json")); err != nil {
		t.Fatal(err)
	}
}

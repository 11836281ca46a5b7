// Package chat builds training rows the way FLock's validator does: each
// segment of a conversation (system, user turn, assistant turn) is
// formatted with its model family's template, tokenized on its own without
// special tokens added, and concatenated; only assistant tokens are labels.
package chat

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/flock-off/ff/lib/tokenizer"
)

// Template is one model family's chat format. The formats contain
// "{content}" where a segment's stripped text goes.
type Template struct {
	Name            string
	SystemFormat    string  // "" when the family has no system segment
	UserFormat      string  // a user turn, ending with the assistant header
	AssistantFormat string  // an assistant turn, ending with the end-of-turn marker
	DefaultSystem   *string // used when a row's system is missing or null; nil: none
	// Markers are the family's special tokens that its tokenizer holds as
	// single tokens (Check). Other markers in the formats are plain text to
	// that tokenizer, and the validator encodes them as such: TinyLlama's
	// <|user|>, and the <|eot_id|> the validator's gemma format ends with.
	Markers []string
}

func str(s string) *string { return &s }

// The families FLock's validator knows (flockoff/validator/constants.py).
var templates = map[string]Template{
	"qwen": {
		Name:            "qwen",
		SystemFormat:    "<|im_start|>system\n{content}<|im_end|>\n",
		UserFormat:      "<|im_start|>user\n{content}<|im_end|>\n<|im_start|>assistant\n",
		AssistantFormat: "{content}<|im_end|>\n",
		DefaultSystem:   str("You are a helpful assistant."),
		Markers:         []string{"<|im_start|>", "<|im_end|>"},
	},
	"llama3": {
		Name:            "llama3",
		SystemFormat:    "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n{content}<|eot_id|>",
		UserFormat:      "<|start_header_id|>user<|end_header_id|>\n\n{content}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
		AssistantFormat: "{content}<|eot_id|>",
		Markers:         []string{"<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"},
	},
	"gemma": {
		// The validator's system format is a bare "<bos>": a row's system text is dropped.
		Name:            "gemma",
		SystemFormat:    "<bos>",
		UserFormat:      "<start_of_turn>user\n{content}<end_of_turn>\n<start_of_turn>model\n",
		AssistantFormat: "{content}<|eot_id|>",
		Markers:         []string{"<bos>", "<start_of_turn>", "<end_of_turn>"},
	},
	"tinyllama": {
		Name:            "tinyllama",
		SystemFormat:    "<|system|>\n{content}\n<|endoftext|>\n",
		UserFormat:      "<|user|>\n{content}\n<|endoftext|>\n<|assistant|>\n",
		AssistantFormat: "{content}<|endoftext|>\n",
		DefaultSystem:   str("You are a helpful assistant."),
	},
}

// Names lists the built-in templates.
func Names() []string {
	var n []string
	for k := range templates {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Lookup returns a built-in template by name; "qwen2", "qwen2.5", "qwen3"
// and "llama" are accepted as aliases.
func Lookup(name string) (Template, error) {
	key := strings.ToLower(name)
	switch key {
	case "qwen2", "qwen2.5", "qwen3", "chatml":
		key = "qwen"
	case "llama", "llama-3", "llama3.2":
		key = "llama3"
	}
	t, ok := templates[key]
	if !ok {
		return Template{}, fmt.Errorf("unknown chat template %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	return t, nil
}

// ForModel picks the template: name when given, else from dir/config.json's
// model_type (a "llama" model is Llama 3 with a 128k vocabulary, TinyLlama
// otherwise).
func ForModel(dir string, name string) (Template, error) {
	if name != "" {
		return Lookup(name)
	}
	path := filepath.Join(dir, "config.json")
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Template{}, fmt.Errorf("%s is missing: pass a template name (%s)", path, strings.Join(Names(), ", "))
	}
	if err != nil {
		return Template{}, err
	}
	var cfg struct {
		ModelType string `json:"model_type"`
		VocabSize int    `json:"vocab_size"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return Template{}, fmt.Errorf("%s: %w", path, err)
	}
	switch t := strings.ToLower(cfg.ModelType); {
	case strings.HasPrefix(t, "qwen"):
		return templates["qwen"], nil
	case strings.HasPrefix(t, "gemma"):
		return templates["gemma"], nil
	case t == "llama" && cfg.VocabSize >= 128000:
		return templates["llama3"], nil
	case t == "llama":
		return templates["tinyllama"], nil
	}
	return Template{}, fmt.Errorf("%s: no chat template for model_type %q: pass a template name (%s)", path, cfg.ModelType, strings.Join(Names(), ", "))
}

// Check reports template markers that tok would not encode as single
// tokens: a template for another family would otherwise be split into
// ordinary pieces without any error.
func Check(tok *tokenizer.Tokenizer, t Template) error {
	var missing []string
	for _, m := range t.Markers {
		if ids := tok.Encode(m); len(ids) != 1 {
			missing = append(missing, m)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("chat template %q does not fit this tokenizer: %s not single tokens", t.Name, strings.Join(missing, " "))
	}
	return nil
}

package chat

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/flock-off/ff/lib/tokenizer"
)

// Ignore is the label of a position that does not count in the loss.
const Ignore = -100

// Message is one turn of a conversation.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Row is the canonical SFT row: {"system": str|null, "conversations": [...]}.
// A nil System means missing or null; the family default is then used.
type Row struct {
	System        *string   `json:"system"`
	Conversations []Message `json:"conversations"`
}

// ParseRow reads a row from its JSON object.
func ParseRow(raw []byte) (Row, error) {
	var r struct {
		System        json.RawMessage   `json:"system"`
		Conversations []json.RawMessage `json:"conversations"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return Row{}, err
	}
	var row Row
	if s := strings.TrimSpace(string(r.System)); s != "" && s != "null" {
		var sys string
		if err := json.Unmarshal(r.System, &sys); err != nil {
			return Row{}, fmt.Errorf("system: not a string or null")
		}
		row.System = &sys
	}
	if r.Conversations == nil {
		return Row{}, fmt.Errorf("no conversations")
	}
	for i, c := range r.Conversations {
		var m struct {
			Role    *string `json:"role"`
			Content *string `json:"content"`
		}
		if err := json.Unmarshal(c, &m); err != nil {
			return Row{}, fmt.Errorf("conversations[%d]: not an object with string role and content", i)
		}
		if m.Role == nil || m.Content == nil {
			return Row{}, fmt.Errorf("conversations[%d]: role and content must be strings", i)
		}
		row.Conversations = append(row.Conversations, Message{Role: *m.Role, Content: *m.Content})
	}
	return row, nil
}

// Encode tokenizes a row as FLock's validator does: the system segment (the
// row's, stripped, or the family default when missing or null), then each
// (user, assistant) pair in order, every segment encoded on its own with no
// special tokens added. A trailing unpaired message is left out, as the
// validator does. labels are the ids on assistant tokens and Ignore (-100)
// elsewhere. No truncation: see Truncate.
func Encode(tok *tokenizer.Tokenizer, tmpl Template, row Row) (ids []int32, labels []int32, err error) {
	if tmpl.SystemFormat != "" {
		sys := tmpl.DefaultSystem
		if row.System != nil {
			s := pyStrip(*row.System)
			sys = &s
		}
		if sys != nil {
			ids = tok.AppendEncode(ids, format(tmpl.SystemFormat, *sys))
		}
	}
	for len(labels) < len(ids) {
		labels = append(labels, Ignore)
	}
	conv := row.Conversations
	for i := 0; i+1 < len(conv); i += 2 {
		if conv[i].Role != "user" || conv[i+1].Role != "assistant" {
			return nil, nil, fmt.Errorf("conversations[%d:%d]: roles %q, %q: turns must alternate user, assistant", i, i+2, conv[i].Role, conv[i+1].Role)
		}
		ids = tok.AppendEncode(ids, format(tmpl.UserFormat, pyStrip(conv[i].Content)))
		for len(labels) < len(ids) {
			labels = append(labels, Ignore)
		}
		ids = tok.AppendEncode(ids, format(tmpl.AssistantFormat, pyStrip(conv[i+1].Content)))
		for k := len(labels); k < len(ids); k++ {
			labels = append(labels, ids[k])
		}
	}
	return ids, labels, nil
}

// EncodePlain tokenizes plain text for language modelling: every token is a label.
func EncodePlain(tok *tokenizer.Tokenizer, text string) (ids []int32, labels []int32) {
	ids = tok.Encode(text)
	return ids, append([]int32(nil), ids...)
}

// Truncate keeps the first maxLen positions (maxLen ≤ 0: all), as the
// validator cuts rows to its context length.
func Truncate(ids, labels []int32, maxLen int) ([]int32, []int32) {
	if maxLen > 0 && len(ids) > maxLen {
		return ids[:maxLen], labels[:maxLen]
	}
	return ids, labels
}

// format substitutes content for "{content}" (Python's str.format with one
// field; braces inside content are not interpreted).
func format(f, content string) string { return strings.ReplaceAll(f, "{content}", content) }

// pyStrip is Python's str.strip(): Unicode whitespace plus the separators
// U+001C..U+001F, which Python also counts as space.
func pyStrip(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f) })
}

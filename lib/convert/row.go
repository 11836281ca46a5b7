// Package convert detects the format of a raw chat row (FLock native, OpenAI
// messages, ShareGPT, Alpaca, self-instruct, prompt/completion, DPO pairs,
// Anthropic HH-RLHF transcripts) and turns it into the canonical SFT or DPO
// row. It works on raw JSON bytes without encoding/json: it is ff-clean's hot path.
package convert

import (
	"github.com/flock-off/ff/lib/record"
)

// Target is the canonical schema rows are converted to.
type Target int

const (
	SFT Target = iota // {"system", "conversations"}
	DPO               // {"system", "prompt", "chosen", "rejected"}
)

// ParseTarget reads --to.
func ParseTarget(s string) (Target, bool) {
	switch s {
	case "sft", "":
		return SFT, true
	case "dpo":
		return DPO, true
	}
	return SFT, false
}

func (t Target) String() string {
	if t == DPO {
		return "dpo"
	}
	return "sft"
}

// Roles of canonical messages.
const (
	System    = "system"
	User      = "user"
	Assistant = "assistant"
)

// Message is one turn. Text is the decoded content; Raw is its original JSON
// string encoding while Text is unchanged and that encoding uses only the
// escapes our writer uses (so it can be copied to the output as it is), and
// nil otherwise or once Text was edited.
type Message struct {
	Role string
	Text []byte
	Raw  []byte
}

// SetText replaces the text (and forgets the original encoding).
func (m *Message) SetText(t []byte) { m.Text, m.Raw = t, nil }

// Row is a canonical row. For SFT, Turns is the conversation; for DPO,
// Turns is the prompt and Chosen/Rejected the two answers.
type Row struct {
	Format    string // the detected input format
	HasSystem bool   // false: "system" is null
	System    Message
	Turns     []Message
	Chosen    Message
	Rejected  Message
	// Rest are the input's fields that no format consumed, in input order;
	// they travel to the output unchanged.
	Rest []record.Field
}

// Error is why a row cannot be converted. Malformed errors (wrong types,
// broken structure) are reported like bad JSON; the others are ordinary rejections.
type Error struct {
	Rule      string
	Detail    string
	Malformed bool
}

func (e *Error) Error() string { return e.Rule + ": " + e.Detail }

func malformed(detail string) *Error {
	return &Error{Rule: "malformed", Detail: detail, Malformed: true}
}

func reject(rule, detail string) *Error { return &Error{Rule: rule, Detail: detail} }

// Texts calls f on every message of the row (system, turns, answers), so
// normalizers and redactors can edit them in place.
func (r *Row) Texts(to Target, f func(m *Message)) {
	if r.HasSystem {
		f(&r.System)
	}
	for i := range r.Turns {
		f(&r.Turns[i])
	}
	if to == DPO {
		f(&r.Chosen)
		f(&r.Rejected)
	}
}

// AppendJSON appends the canonical row as one JSON object: the canonical
// fields first, then (unless dropRest) the input's other fields in order.
func (r *Row) AppendJSON(dst []byte, to Target, dropRest bool) []byte {
	dst = append(dst, `{"system":`...)
	if r.HasSystem {
		dst = appendText(dst, &r.System)
	} else {
		dst = append(dst, "null"...)
	}
	if to == DPO {
		dst = append(dst, `,"prompt":`...)
	} else {
		dst = append(dst, `,"conversations":`...)
	}
	dst = append(dst, '[')
	for i := range r.Turns {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"role":"`...)
		dst = append(dst, r.Turns[i].Role...)
		dst = append(dst, `","content":`...)
		dst = appendText(dst, &r.Turns[i])
		dst = append(dst, '}')
	}
	dst = append(dst, ']')
	if to == DPO {
		dst = append(dst, `,"chosen":`...)
		dst = appendText(dst, &r.Chosen)
		dst = append(dst, `,"rejected":`...)
		dst = appendText(dst, &r.Rejected)
	}
	if !dropRest {
		for _, f := range r.Rest {
			dst = append(dst, ',')
			dst = record.AppendString(dst, f.Key)
			dst = append(dst, ':')
			dst = append(dst, f.Value...)
		}
	}
	return append(dst, '}')
}

func appendText(dst []byte, m *Message) []byte {
	if m.Raw != nil {
		return append(dst, m.Raw...)
	}
	return record.AppendBytes(dst, m.Text)
}

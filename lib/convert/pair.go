package convert

import (
	"bytes"

	"github.com/flock-off/ff/lib/record"
)

// pair reads a preference row: prompt/chosen/rejected (strings or message
// lists), chosen/rejected as whole conversations sharing a prompt, or
// Anthropic HH-RLHF transcripts.
func (c *Converter) pair(f []record.Field) ([]int, *Error) {
	x := &c.keys
	ch, rj := f[x.chosen].Value, f[x.rejected].Value
	consumed := []int{x.chosen, x.rejected}
	if x.prompt >= 0 {
		c.row.Format = FormatDPO
		consumed = append(consumed, x.prompt)
		p := f[x.prompt].Value
		switch record.KindOf(p) {
		case record.KindString:
			u, err := c.text(User, p)
			if err != nil {
				return nil, err
			}
			c.addTurn(u)
		case record.KindArray:
			if err := c.messages(p, true); err != nil {
				return nil, err
			}
		default:
			return nil, malformed(`"prompt" must be a string or a list of messages`)
		}
		var err *Error
		if c.row.Chosen, err = c.answer(ch, "chosen"); err != nil {
			return nil, err
		}
		if c.row.Rejected, err = c.answer(rj, "rejected"); err != nil {
			return nil, err
		}
		return consumed, nil
	}
	if record.KindOf(ch) == record.KindArray && record.KindOf(rj) == record.KindArray {
		c.row.Format = FormatDPO
		return consumed, c.conversationPair(ch, rj)
	}
	if record.KindOf(ch) != record.KindString || record.KindOf(rj) != record.KindString {
		return nil, malformed(`"chosen" and "rejected" must both be strings or both message lists`)
	}
	c.row.Format = FormatHH
	return consumed, c.hh(ch, rj)
}

// answer is a DPO answer: a string, or a message list whose last turn is
// the assistant's answer.
func (c *Converter) answer(raw []byte, key string) (Message, *Error) {
	switch record.KindOf(raw) {
	case record.KindString:
		return c.text(Assistant, raw)
	case record.KindArray:
		var last []byte
		var role []byte
		record.EachElement(raw, func(el []byte) error {
			last, role = nil, nil
			record.EachField(el, func(k, v []byte) error {
				if record.KeyIs(k, "content") {
					last = v
				} else if record.KeyIs(k, "role") {
					role = v
				}
				return nil
			})
			return nil
		})
		if last == nil || !bytes.Equal(role, []byte(`"assistant"`)) {
			return Message{}, malformed(`"` + key + `" list must end with an assistant message`)
		}
		return c.content(Assistant, last, "content")
	}
	return Message{}, malformed(`"` + key + `" must be a string or a list of messages`)
}

// conversationPair: chosen and rejected are whole conversations that share
// every turn but the last (the Hugging Face "binarized" layout).
func (c *Converter) conversationPair(ch, rj []byte) *Error {
	if err := c.messages(ch, true); err != nil {
		return err
	}
	n := len(c.row.Turns)
	if n == 0 || c.row.Turns[n-1].Role != Assistant {
		return malformed(`"chosen" must end with an assistant message`)
	}
	c.row.Chosen = c.row.Turns[n-1]
	prompt := append([]Message(nil), c.row.Turns[:n-1]...)
	sys, hasSys := c.row.System, c.row.HasSystem
	c.row.Turns, c.row.HasSystem = c.row.Turns[:0], false
	if err := c.messages(rj, true); err != nil {
		return err
	}
	m := len(c.row.Turns)
	if m == 0 || c.row.Turns[m-1].Role != Assistant {
		return malformed(`"rejected" must end with an assistant message`)
	}
	if m-1 != len(prompt) {
		return reject("prompt_mismatch", "chosen and rejected conversations have different prompts")
	}
	for i := range prompt {
		if prompt[i].Role != c.row.Turns[i].Role || !bytes.Equal(prompt[i].Text, c.row.Turns[i].Text) {
			return reject("prompt_mismatch", "chosen and rejected conversations have different prompts")
		}
	}
	c.row.Rejected = c.row.Turns[m-1]
	c.row.Turns = append(c.row.Turns[:0], prompt...)
	c.row.System, c.row.HasSystem = sys, hasSys
	return nil
}

var (
	hhHuman     = []byte("\n\nHuman:")
	hhAssistant = []byte("\n\nAssistant:")
)

// hh splits two HH-RLHF transcripts ("\n\nHuman: …\n\nAssistant: …") into
// their shared prompt and the two final answers.
func (c *Converter) hh(ch, rj []byte) *Error {
	start := len(c.arena)
	var err error
	if c.arena, err = record.AppendUnquoted(c.arena, ch); err != nil {
		return malformed(`"chosen" must be a string`)
	}
	mid := len(c.arena)
	if c.arena, err = record.AppendUnquoted(c.arena, rj); err != nil {
		return malformed(`"rejected" must be a string`)
	}
	chosen, rejected := c.arena[start:mid:mid], c.arena[mid:]
	cp, ca, ok := splitLastAnswer(chosen)
	if !ok {
		return reject("unknown_format", `"chosen" is not a Human/Assistant transcript`)
	}
	rp, ra, ok := splitLastAnswer(rejected)
	if !ok {
		return reject("unknown_format", `"rejected" is not a Human/Assistant transcript`)
	}
	if !bytes.Equal(cp, rp) {
		return reject("prompt_mismatch", "chosen and rejected transcripts have different prompts")
	}
	if err := c.transcript(cp); err != nil {
		return err
	}
	c.row.Chosen = Message{Role: Assistant, Text: ca}
	c.row.Rejected = Message{Role: Assistant, Text: ra}
	return nil
}

// splitLastAnswer splits a transcript at its last "\n\nAssistant:" marker.
func splitLastAnswer(t []byte) (prompt, answer []byte, ok bool) {
	i := bytes.LastIndex(t, hhAssistant)
	if i < 0 || !bytes.Contains(t[:i+1], hhHuman[2:]) {
		return nil, nil, false
	}
	return t[:i], bytes.TrimSpace(t[i+len(hhAssistant):]), true
}

// transcript turns "\n\nHuman: a\n\nAssistant: b\n\nHuman: c" into turns.
func (c *Converter) transcript(t []byte) *Error {
	for len(t) > 0 {
		var role string
		switch {
		case bytes.HasPrefix(t, hhHuman):
			role, t = User, t[len(hhHuman):]
		case bytes.HasPrefix(t, hhAssistant):
			role, t = Assistant, t[len(hhAssistant):]
		case bytes.HasPrefix(t, hhHuman[2:]): // transcripts that start without the blank line
			role, t = User, t[len(hhHuman)-2:]
		default:
			return reject("unknown_format", "transcript text outside Human/Assistant turns")
		}
		end := len(t)
		if i := bytes.Index(t, hhHuman); i >= 0 {
			end = i
		}
		if i := bytes.Index(t, hhAssistant); i >= 0 && i < end {
			end = i
		}
		c.addTurn(Message{Role: role, Text: bytes.TrimSpace(t[:end])})
		t = t[end:]
	}
	return nil
}

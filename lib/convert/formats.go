package convert

import (
	"bytes"
	"errors"

	"github.com/flock-off/ff/lib/record"
)

// roleOf maps the role names of the formats we read to canonical roles;
// "" means a role a text chat row cannot carry (tool, function, …).
func roleOf(name []byte) string {
	switch string(name) {
	case "user", "human", "prompter", "User", "Human":
		return User
	case "assistant", "gpt", "model", "bot", "chatgpt", "bard", "bing", "Assistant", "GPT":
		return Assistant
	case "system", "System":
		return System
	}
	return ""
}

var errStop = errors.New("stop")

// chat reads a "conversations" list: FLock native (role/content) or
// ShareGPT (from/value), told by the keys of its first message.
func (c *Converter) chat(f []record.Field, i int) ([]int, *Error) {
	raw := f[i].Value
	c.row.Format = FormatFLock
	_ = record.EachObject(raw, func(k, _ []byte) error {
		if record.KeyIs(k, "from") || record.KeyIs(k, "value") {
			c.row.Format = FormatShareGPT
		}
		return nil
	}, func() error { return errStop }) // the first message decides
	return []int{i}, c.messages(raw, c.row.Format != FormatShareGPT)
}

// messages reads a list of message objects into Turns. A leading system
// message becomes the row's system prompt.
func (c *Converter) messages(raw []byte, roleContent bool) *Error {
	roleKey, textKey := "role", "content"
	if !roleContent {
		roleKey, textKey = "from", "value"
	}
	var bad *Error
	n := 0
	var msgRole, msgText []byte // the fields of the message being read
	err := record.EachObject(raw, func(k, v []byte) error {
		switch {
		case record.KeyIs(k, roleKey):
			msgRole = v
		case record.KeyIs(k, textKey):
			msgText = v
		}
		return nil
	}, func() error {
		role, text := msgRole, msgText
		msgRole, msgText = nil, nil // the next message starts afresh
		if role == nil || record.KindOf(role) != record.KindString {
			bad = malformed(`each message needs a string "` + roleKey + `"`)
			return errStop
		}
		name, _ := record.StringBody(role)
		r := roleOf(name)
		if r == "" {
			bad = reject("unsupported_role", "role "+string(role)+" (only system, user and assistant turns are kept)")
			return errStop
		}
		m, e := c.content(r, text, textKey)
		if e != nil {
			bad = e
			return errStop
		}
		if r == System {
			if n > 0 || c.row.HasSystem {
				bad = reject("role_order", "a system turn after the first turn")
				return errStop
			}
			c.row.System, c.row.HasSystem = m, true
		} else {
			c.addTurn(m)
		}
		n++
		return nil
	})
	if bad != nil {
		return bad
	}
	if errors.Is(err, record.ErrNotObject) {
		return malformed("each message must be an object")
	}
	if err != nil {
		return malformed("messages must be a list of objects")
	}
	return nil
}

// content reads a message's text: a string, null (empty), or the OpenAI
// list of parts, whose text parts are joined with newlines.
func (c *Converter) content(role string, v []byte, key string) (Message, *Error) {
	switch record.KindOf(v) {
	case record.KindString:
		return c.text(role, v)
	case record.KindNull, record.KindInvalid: // null or missing: an empty turn, rejected by validation
		return Message{Role: role}, nil
	case record.KindArray:
		start := len(c.arena)
		var bad *Error
		err := record.EachElement(v, func(part []byte) error {
			var typ, text []byte
			if e := record.EachField(part, func(k, pv []byte) error {
				if record.KeyIs(k, "type") {
					typ = pv
				} else if record.KeyIs(k, "text") {
					text = pv
				}
				return nil
			}); e != nil {
				bad = malformed(`"` + key + `" parts must be objects`)
				return errStop
			}
			if !bytes.Equal(typ, []byte(`"text"`)) {
				bad = reject("unsupported_content", "a "+string(typ)+" content part (only text is kept)")
				return errStop
			}
			if len(c.arena) > start {
				c.arena = append(c.arena, '\n')
			}
			var err error
			if c.arena, err = record.AppendUnquoted(c.arena, text); err != nil {
				bad = malformed("a text part without a string \"text\"")
				return errStop
			}
			return nil
		})
		if bad != nil {
			return Message{}, bad
		}
		if err != nil {
			return Message{}, malformed(`"` + key + `" must be a string or a list of parts`)
		}
		return Message{Role: role, Text: c.arena[start:len(c.arena):len(c.arena)]}, nil
	}
	return Message{}, malformed(`"` + key + `" must be a string`)
}

// alpaca: instruction (+ optional input) is the user turn, output the answer.
func (c *Converter) alpaca(f []record.Field) ([]int, *Error) {
	x := &c.keys
	c.row.Format = FormatAlpaca
	u, err := c.joined(f[x.instruction], x.input, f)
	if err != nil {
		return nil, err
	}
	a, err := c.textField(Assistant, f[x.output])
	if err != nil {
		return nil, err
	}
	c.addTurn(u)
	c.addTurn(a)
	consumed := []int{x.instruction, x.output}
	if x.input >= 0 {
		consumed = append(consumed, x.input)
	}
	return consumed, nil
}

// joined is an instruction followed, after a blank line, by a non-empty input.
func (c *Converter) joined(instr record.Field, input int, f []record.Field) (Message, *Error) {
	u, err := c.textField(User, instr)
	if err != nil || input < 0 {
		return u, err
	}
	in := f[input]
	switch record.KindOf(in.Value) {
	case record.KindNull:
		return u, nil
	case record.KindString:
	default:
		return Message{}, malformed(`"input" must be a string or null`)
	}
	return c.appendInput(u, in.Value)
}

func (c *Converter) appendInput(u Message, rawInput []byte) (Message, *Error) {
	if len(rawInput) <= 2 || len(bytes.TrimSpace(rawInput[1:len(rawInput)-1])) == 0 {
		return u, nil // "" or blank input adds nothing
	}
	start := len(c.arena)
	c.arena = append(c.arena, u.Text...)
	c.arena = append(c.arena, '\n', '\n')
	var err error
	if c.arena, err = record.AppendUnquoted(c.arena, rawInput); err != nil {
		return Message{}, malformed(`"input" must be a string`)
	}
	return Message{Role: User, Text: c.arena[start:len(c.arena):len(c.arena)]}, nil
}

// selfInstruct: the self-instruct seed format, an instruction with instances
// [{input, output}]. The first instance makes the first exchange; further
// instances follow as further turns (input → output), so no instance is lost.
func (c *Converter) selfInstruct(f []record.Field) ([]int, *Error) {
	x := &c.keys
	c.row.Format = FormatSelfInstruct
	instr, err := c.textField(User, f[x.instruction])
	if err != nil {
		return nil, err
	}
	var bad *Error
	k := 0
	e := record.EachElement(f[x.instances].Value, func(el []byte) error {
		var in, out []byte
		if e := record.EachField(el, func(key, v []byte) error {
			if record.KeyIs(key, "input") {
				in = v
			} else if record.KeyIs(key, "output") {
				out = v
			}
			return nil
		}); e != nil {
			bad = malformed(`"instances" must be a list of objects`)
			return errStop
		}
		if in != nil && record.KindOf(in) != record.KindString || record.KindOf(out) != record.KindString {
			bad = malformed(`each instance needs a string "output" (and a string "input")`)
			return errStop
		}
		var u Message
		var e *Error
		if k == 0 {
			u, e = instr, nil
			if in != nil {
				u, e = c.appendInput(instr, in)
			}
		} else {
			u, e = c.text(User, in)
		}
		if e != nil {
			bad = e
			return errStop
		}
		a, e := c.text(Assistant, out)
		if e != nil {
			bad = e
			return errStop
		}
		c.addTurn(u)
		c.addTurn(a)
		k++
		return nil
	})
	if bad != nil {
		return nil, bad
	}
	if e != nil {
		return nil, malformed(`"instances" must be a list of objects`)
	}
	if k == 0 {
		return nil, reject("empty_turn", "self-instruct row without instances")
	}
	return []int{x.instruction, x.instances}, nil
}

// promptCompletion: a prompt string and its completion (or response).
func (c *Converter) promptCompletion(f []record.Field) ([]int, *Error) {
	x := &c.keys
	c.row.Format = FormatPromptCompletion
	ans := x.completion
	if ans < 0 {
		ans = x.response
	}
	u, err := c.textField(User, f[x.prompt])
	if err != nil {
		return nil, err
	}
	a, err := c.textField(Assistant, f[ans])
	if err != nil {
		return nil, err
	}
	c.addTurn(u)
	c.addTurn(a)
	return []int{x.prompt, ans}, nil
}

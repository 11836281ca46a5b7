package convert

import (
	"github.com/flock-off/ff/lib/record"
)

// Format names, as reported in stats and rejects.
const (
	FormatFLock            = "flock"
	FormatOpenAI           = "openai"
	FormatShareGPT         = "sharegpt"
	FormatAlpaca           = "alpaca"
	FormatSelfInstruct     = "self-instruct"
	FormatPromptCompletion = "prompt-completion"
	FormatDPO              = "dpo"
	FormatHH               = "hh-rlhf"
)

// Converter turns records into canonical rows. It reuses its buffers: a Row
// it returns is valid until the next call. Not safe for concurrent use; make
// one per worker.
type Converter struct {
	To    Target
	arena []byte // decoded texts of the current row
	row   Row
	keys  fieldIndex
}

// fieldIndex holds the position of each key a format can consume (-1: absent).
type fieldIndex struct {
	system, conversations, messages, instruction, input, output,
	instances, prompt, completion, response, chosen, rejected int
}

func (x *fieldIndex) index(rec *record.Record) {
	*x = fieldIndex{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1}
	for i := range rec.Fields {
		switch rec.Fields[i].Key {
		case "system":
			x.system = i
		case "conversations":
			x.conversations = i
		case "messages":
			x.messages = i
		case "instruction":
			x.instruction = i
		case "input":
			x.input = i
		case "output":
			x.output = i
		case "instances":
			x.instances = i
		case "prompt":
			x.prompt = i
		case "completion":
			x.completion = i
		case "response":
			x.response = i
		case "chosen":
			x.chosen = i
		case "rejected":
			x.rejected = i
		}
	}
}

// Convert detects rec's format and converts it to the converter's target.
// The error, if any, is an *Error.
func (c *Converter) Convert(rec *record.Record) (*Row, error) {
	c.arena = c.arena[:0]
	c.row = Row{Turns: c.row.Turns[:0], Rest: c.row.Rest[:0]}
	c.keys.index(rec)
	x := &c.keys
	f := rec.Fields
	var consumed []int
	var err *Error
	switch {
	case x.chosen >= 0 && x.rejected >= 0:
		consumed, err = c.pair(f)
	case x.conversations >= 0:
		consumed, err = c.chat(f, x.conversations)
	case x.messages >= 0:
		c.row.Format = FormatOpenAI
		consumed, err = []int{x.messages}, c.messages(f[x.messages].Value, true)
	case x.instruction >= 0 && x.instances >= 0:
		consumed, err = c.selfInstruct(f)
	case x.instruction >= 0 && x.output >= 0:
		consumed, err = c.alpaca(f)
	case x.prompt >= 0 && (x.completion >= 0 || x.response >= 0):
		consumed, err = c.promptCompletion(f)
	default:
		return nil, reject("unknown_format", "no known chat format (want conversations, messages, instruction/output, prompt/completion or prompt/chosen/rejected)")
	}
	if err != nil {
		return nil, err
	}
	if err := c.topSystem(f); err != nil {
		return nil, err
	}
	if c.To == DPO && c.row.Format != FormatDPO && c.row.Format != FormatHH {
		return nil, reject("not_dpo", c.row.Format+" row has no rejected answer")
	}
	if c.To == SFT && (c.row.Format == FormatDPO || c.row.Format == FormatHH) {
		// SFT keeps the preferred answer: the prompt then the chosen reply.
		c.row.Turns = append(c.row.Turns, c.row.Chosen)
	}
	c.rest(f, consumed)
	return &c.row, nil
}

// rest keeps the fields no format consumed (and never the top-level system,
// which is a canonical field).
func (c *Converter) rest(f []record.Field, consumed []int) {
outer:
	for i := range f {
		if i == c.keys.system {
			continue
		}
		for _, j := range consumed {
			if i == j {
				continue outer
			}
		}
		c.row.Rest = append(c.row.Rest, f[i])
	}
}

// topSystem applies a top-level "system" field (string or null). A system
// turn inside the messages and a non-empty top-level one cannot both exist.
func (c *Converter) topSystem(f []record.Field) *Error {
	i := c.keys.system
	if i < 0 {
		return nil
	}
	v := f[i].Value
	switch record.KindOf(v) {
	case record.KindNull:
		return nil
	case record.KindString:
	default:
		return malformed(`"system" must be a string or null`)
	}
	m, err := c.text(System, v)
	if err != nil {
		return err
	}
	if c.row.HasSystem {
		if len(m.Text) == 0 {
			return nil
		}
		if len(c.row.System.Text) > 0 {
			return reject("role_order", "two system prompts (a system field and a system turn)")
		}
	}
	c.row.System, c.row.HasSystem = m, true
	return nil
}

// text decodes a raw JSON string into a message.
func (c *Converter) text(role string, raw []byte) (Message, *Error) {
	if body, ok := record.StringBody(raw); ok {
		return Message{Role: role, Text: body, Raw: raw}, nil
	}
	start := len(c.arena)
	var err error
	var plain bool
	c.arena, plain, err = record.AppendUnquotedPlain(c.arena, raw)
	if err != nil {
		return Message{}, malformed("expected a string")
	}
	m := Message{Role: role, Text: c.arena[start:len(c.arena):len(c.arena)]}
	if plain {
		m.Raw = raw // (found while decoding: no second scan for escapes when writing)
	}
	return m, nil
}

// textField is text for a named field, with the field's name in the error.
func (c *Converter) textField(role string, f record.Field) (Message, *Error) {
	if record.KindOf(f.Value) != record.KindString {
		return Message{}, malformed(`"` + f.Key + `" must be a string`)
	}
	return c.text(role, f.Value)
}

func (c *Converter) addTurn(m Message) { c.row.Turns = append(c.row.Turns, m) }

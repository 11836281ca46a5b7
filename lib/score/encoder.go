package score

import (
	"github.com/flock-off/ff/lib/chat"
	"github.com/flock-off/ff/lib/record"
	"github.com/flock-off/ff/lib/tokenizer"
)

// chatEncoder encodes rows with the model's own tokenizer and its family's
// chat template, as the reference validator builds its training rows.
type chatEncoder struct {
	tok  *tokenizer.Tokenizer
	tmpl chat.Template
}

// openChatEncoder loads dir's tokenizer.json and picks the template (by name,
// else from config.json's model_type), refusing a template whose markers the
// tokenizer does not know as single tokens.
func openChatEncoder(dir, template string) (Encoder, int, error) {
	tok, err := tokenizer.Load(dir)
	if err != nil {
		return nil, 0, err
	}
	tmpl, err := chat.ForModel(dir, template)
	if err != nil {
		return nil, 0, err
	}
	if err := chat.Check(tok, tmpl); err != nil {
		return nil, 0, err
	}
	return &chatEncoder{tok: tok, tmpl: tmpl}, tok.VocabSize(), nil
}

func (e *chatEncoder) Encode(rec *record.Record) ([]int32, []int32, error) {
	row, err := chat.ParseRow(rec.Raw)
	if err != nil {
		return nil, nil, err
	}
	return chat.Encode(e.tok, e.tmpl, row)
}

// TemplateName is the chat template in use, echoed in the result's config.
func (e *chatEncoder) TemplateName() string { return e.tmpl.Name }

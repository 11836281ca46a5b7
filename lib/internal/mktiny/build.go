package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/flock-off/ff/lib/chat"
)

func build(corpus, dir string) error {
	start := time.Now()
	rows, err := readRows(filepath.Join(corpus, "pretrain.jsonl"))
	if err != nil {
		return err
	}
	tok, err := writeTokenizer(dir, rows)
	if err != nil {
		return err
	}
	tmpl, err := chat.ForModel(dir, "")
	if err != nil {
		return err
	}
	var tokens int
	for _, r := range rows {
		row, _ := chat.ParseRow(r.Raw)
		ids, _, err := chat.Encode(tok, tmpl, row)
		if err != nil {
			return fmt.Errorf("%s: %v", r.Source, err)
		}
		tokens += len(ids)
	}
	fmt.Fprintf(os.Stderr, "mktiny: tokenizer of %d tokens; %d pre-training rows, %d tokens (%s)\n",
		tok.VocabSize(), len(rows), tokens, time.Since(start).Round(time.Millisecond))
	return nil
}

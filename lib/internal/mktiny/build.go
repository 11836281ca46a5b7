package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/flock-off/ff/lib/chat"
)

// build writes the tiny model into dir: the tokenizer learnt from every
// pre-training row, then pre-training on the first pretrainRows rows (0: all;
// tests use a few).
func build(corpus, dir string, epochs, threads, pretrainRows int) error {
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
	if pretrainRows > 0 && pretrainRows < len(rows) {
		rows = rows[:pretrainRows]
	}
	data, tokens, err := encodeAll(tok, tmpl, rows, pretrainSeqLen)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "mktiny: tokenizer of %d tokens; %d pre-training rows, %d tokens (%s)\n",
		tok.VocabSize(), len(data), tokens, time.Since(start).Round(time.Millisecond))
	if err := pretrain(dir, data, epochs, threads); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "mktiny: wrote %s in %s\n", dir, time.Since(start).Round(time.Second))
	return nil
}

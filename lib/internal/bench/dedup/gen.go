package main

import (
	"bufio"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// corpus is the real text the generator edits: T0 prompts and completions
// and the self-instruct seed tasks from ../shared.
type corpus struct {
	paragraphs []string
	words      []string
}

func loadCorpus(shared string) (*corpus, error) {
	c := &corpus{}
	dir := filepath.Join(shared, "data", "real", "self-instruct")
	files, _ := filepath.Glob(filepath.Join(dir, "t0", "*.jsonl"))
	files = append(files, filepath.Join(dir, "seed_tasks.jsonl"))
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			var row struct {
				Prompt, Completion, Instruction string
				Instances                       []struct{ Input, Output string }
			}
			if json.Unmarshal(sc.Bytes(), &row) != nil {
				continue
			}
			for _, s := range []string{row.Prompt, row.Completion, row.Instruction} {
				c.add(s)
			}
			for _, in := range row.Instances {
				c.add(in.Input)
				c.add(in.Output)
			}
		}
		fh.Close()
	}
	return c, nil
}

func (c *corpus) add(s string) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "<|endoftext|>", ""))
	if len(s) < 40 {
		return
	}
	c.paragraphs = append(c.paragraphs, s)
	c.words = append(c.words, strings.Fields(s)...)
}

// edit applies word-level edits: each word is replaced with probability
// sub, dropped with probability del, and followed by a random word with
// probability ins.
func (c *corpus) edit(rng *rand.Rand, s string, sub, del, ins float64) string {
	words := strings.Fields(s)
	out := make([]string, 0, len(words)+4)
	for _, w := range words {
		r := rng.Float64()
		switch {
		case r < sub:
			out = append(out, c.words[rng.IntN(len(c.words))])
		case r < sub+del:
		default:
			out = append(out, w)
		}
		if rng.Float64() < ins {
			out = append(out, c.words[rng.IntN(len(c.words))])
		}
	}
	return strings.Join(out, " ")
}

type turn struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatRow struct {
	ID            int    `json:"id"`
	System        string `json:"system"`
	Conversations []turn `json:"conversations"`
}

// generate writes rows chat rows of about rowBytes each: originals built
// from real paragraphs with 12% of their words replaced (so they are not
// near duplicates of each other), 20% near duplicates of a recent original
// (2% of words replaced, 1% dropped, 1% inserted) and 5% exact copies.
func generate(c *corpus, path string, rows, paragraphsPerTurn int, seed uint64) (int64, error) {
	rng := rand.New(rand.NewPCG(seed, 0xdedf))
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var recent [][2]string
	var total int64
	para := func() string {
		var parts []string
		for range paragraphsPerTurn {
			parts = append(parts, c.paragraphs[rng.IntN(len(c.paragraphs))])
		}
		return strings.Join(parts, "\n\n")
	}
	for i := 0; i < rows; i++ {
		var u, a string
		switch r := rng.Float64(); {
		case r < 0.20 && len(recent) > 0:
			src := recent[rng.IntN(len(recent))]
			u, a = c.edit(rng, src[0], 0.02, 0.01, 0.01), c.edit(rng, src[1], 0.02, 0.01, 0.01)
		case r < 0.25 && len(recent) > 0:
			src := recent[rng.IntN(len(recent))]
			u, a = src[0], src[1]
		default:
			u, a = c.edit(rng, para(), 0.12, 0, 0), c.edit(rng, para(), 0.12, 0, 0)
			if len(recent) < 5000 {
				recent = append(recent, [2]string{u, a})
			} else {
				recent[rng.IntN(len(recent))] = [2]string{u, a}
			}
		}
		b, err := json.Marshal(chatRow{ID: i, System: "You are a helpful assistant.", Conversations: []turn{{"user", u}, {"assistant", a}}})
		if err != nil {
			return 0, err
		}
		b = append(b, '\n')
		total += int64(len(b))
		if _, err := w.Write(b); err != nil {
			return 0, err
		}
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	return total, f.Close()
}

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The bundled corpus is a selection of the self-instruct repository's data
// (Apache-2.0), turned into canonical SFT rows once with -select and
// committed, because a user's clone has no ../shared. The news-classification
// prompts wrap the same 200 AG News articles in seven templates; articles are
// split by index so that pre-training, fine-tuning and evaluation never share
// an article:
//
//	articles   0..139  pretrain.jsonl (all templates, with the seed tasks)
//	articles 140..179  finetune.jsonl (all templates): good in-domain data
//	articles 180..199  testdata/demo/eval.jsonl (two templates): the eval set
//
// offtask.jsonl holds reading-comprehension rows, which the model never
// sees in pre-training: off-task data for the discrimination test.
const (
	pretrainArticles = 140
	finetuneArticles = 180
	articles         = 200
)

var newsTemplates = []string{
	"ag_news_classify", "ag_news_classify_question_first", "ag_news_classify_with_choices",
	"ag_news_classify_with_choices_question_first", "ag_news_recommend", "ag_news_which_section",
	"ag_news_which_section_choices",
}

var evalTemplates = []string{"ag_news_which_section_choices", "ag_news_classify_question_first"}

type message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type sftRow struct {
	System        *string   `json:"system"`
	Conversations []message `json:"conversations"`
}

func row(user, assistant string) sftRow {
	return sftRow{Conversations: []message{
		{Role: "user", Content: strings.TrimSpace(user)},
		{Role: "assistant", Content: strings.TrimSpace(assistant)},
	}}
}

func readJSONL[T any](path string) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 1; sc.Scan(); line++ {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		out = append(out, v)
	}
	return out, sc.Err()
}

func writeJSONL(path string, rows []sftRow) error {
	var b strings.Builder
	for _, r := range rows {
		j, err := json.Marshal(r)
		if err != nil {
			return err
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

type t0Row struct {
	Prompt     string `json:"prompt"`
	Completion string `json:"completion"`
}

func (r t0Row) sft() sftRow {
	return row(r.Prompt, strings.TrimSuffix(r.Completion, "<|endoftext|>"))
}

// selectCorpus reads the self-instruct data under src and writes the corpus
// files into corpusDir and the eval set to evalPath.
func selectCorpus(src, corpusDir, evalPath string) error {
	var pre, fine, eval, off []sftRow
	type seedTask struct {
		Instruction string `json:"instruction"`
		Instances   []struct{ Input, Output string }
	}
	seeds, err := readJSONL[seedTask](filepath.Join(src, "seed_tasks.jsonl"))
	if err != nil {
		return err
	}
	for _, s := range seeds {
		for _, in := range s.Instances {
			user := s.Instruction
			if strings.TrimSpace(in.Input) != "" {
				user += "\n\n" + in.Input
			}
			pre = append(pre, row(user, in.Output))
		}
	}
	news := map[string][]t0Row{}
	for _, t := range newsTemplates {
		rows, err := readJSONL[t0Row](filepath.Join(src, "t0", t+".jsonl"))
		if err != nil {
			return err
		}
		if len(rows) != articles {
			return fmt.Errorf("%s: %d rows, want %d", t, len(rows), articles)
		}
		news[t] = rows
	}
	for i := 0; i < articles; i++ {
		for _, t := range newsTemplates {
			switch {
			case i < pretrainArticles:
				pre = append(pre, news[t][i].sft())
			case i < finetuneArticles:
				fine = append(fine, news[t][i].sft())
			}
		}
		if i >= finetuneArticles {
			for _, t := range evalTemplates {
				eval = append(eval, news[t][i].sft())
			}
		}
	}
	qa, err := readJSONL[t0Row](filepath.Join(src, "t0", "adversarial_qa_dbert_answer_the_following_q.jsonl"))
	if err != nil {
		return err
	}
	for _, r := range qa[:120] {
		off = append(off, r.sft())
	}
	if err := os.MkdirAll(corpusDir, 0o755); err != nil {
		return err
	}
	for name, rows := range map[string][]sftRow{"pretrain.jsonl": pre, "finetune.jsonl": fine, "offtask.jsonl": off} {
		if err := writeJSONL(filepath.Join(corpusDir, name), rows); err != nil {
			return err
		}
	}
	lic, err := os.ReadFile(filepath.Join(src, "LICENSE"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(corpusDir, "LICENSE"), lic, 0o644); err != nil {
		return err
	}
	return writeJSONL(evalPath, eval)
}

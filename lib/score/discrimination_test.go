package score

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flock-off/ff/lib/internal/testenv"
)

// corpusRows reads a bundled corpus file as raw JSONL lines.
func corpusRows(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "testdata", "tiny", "corpus", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// noisy keeps a row's prompt and replaces its answer with random letters
// and spaces of the same length.
func noisy(t *testing.T, line string, rng *rand.Rand) string {
	var row map[string]any
	if err := json.Unmarshal([]byte(line), &row); err != nil {
		t.Fatal(err)
	}
	conv := row["conversations"].([]any)
	last := conv[len(conv)-1].(map[string]any)
	n := len(last["content"].(string))
	const letters = "abcdefghijklmnopqrstuvwxyz      "
	var b strings.Builder
	for range max(n, 8) {
		b.WriteByte(letters[rng.IntN(len(letters))])
	}
	last["content"] = b.String()
	out, _ := json.Marshal(row)
	return string(out)
}

// scoreRows runs ff-score with the reference recipe on rows and returns its result.
func scoreRows(t *testing.T, rows []string) Result {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(rows, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	eval := filepath.Join(testenv.RepoRoot(t), "testdata", "demo", "eval.jsonl")
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"--model", tinyModel(t), "--eval", eval, "--threads", "2", "-q", path}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("ff-score exit %d: %s", code, stderr.String())
	}
	var res Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	return res
}

// TestDiscrimination is the point of the tool: with the reference recipe on
// the bundled model, clean in-domain rows score a lower eval_loss than the
// same rows with half of them replaced by noise, by duplicates of the other
// half, or by off-task text.
func TestDiscrimination(t *testing.T) {
	// finetune.jsonl holds 40 articles × 7 templates, article by article;
	// the clean set takes 100 rows that spread over every article and
	// template, so replacing each odd row by its even neighbour halves the
	// articles the set teaches.
	pool := corpusRows(t, "finetune.jsonl")
	var clean []string
	for j := 0; j < 100; j++ {
		article, template := j%40, (j/40+j)%7
		clean = append(clean, pool[article*7+template])
	}
	off := corpusRows(t, "offtask.jsonl")
	rng := rand.New(rand.NewPCG(42, 1))
	variants := map[string][]string{}
	for _, name := range []string{"noise", "duplicates", "off-task"} {
		rows := append([]string(nil), clean...)
		for i := 1; i < len(rows); i += 2 {
			switch name {
			case "noise":
				rows[i] = noisy(t, rows[i], rng)
			case "duplicates":
				rows[i] = rows[i-1]
			case "off-task":
				rows[i] = off[i/2]
			}
		}
		variants[name] = rows
	}
	base := scoreRows(t, clean)
	t.Logf("clean: eval_loss %.5f (base %.5f)", base.EvalLoss, base.BaseEvalLoss)
	if !(base.EvalLoss < base.BaseEvalLoss) {
		t.Errorf("clean in-domain data did not lower the eval loss: %.5f -> %.5f", base.BaseEvalLoss, base.EvalLoss)
	}
	for _, name := range []string{"noise", "duplicates", "off-task"} {
		r := scoreRows(t, variants[name])
		t.Logf("50%% %s: eval_loss %.5f", name, r.EvalLoss)
		if !(base.EvalLoss < r.EvalLoss) {
			t.Errorf("clean rows scored %.5f, not lower than with 50%% %s (%.5f)", base.EvalLoss, name, r.EvalLoss)
		}
	}
}

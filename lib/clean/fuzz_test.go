package clean

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/flock-off/ff/lib/app"
)

var summaryRE = regexp.MustCompile(`read (\d+) rows, wrote (\d+), rejected (\d+)`)

// FuzzClean: any input, in any format mix, never panics; every stderr line
// about a row names it as stdin:LINE; the summary reconciles
// (read = wrote + rejected) and the output has as many rows as "wrote".
func FuzzClean(f *testing.F) {
	for _, s := range []string{
		`{"prompt":"Q","completion":"A good answer."}` + "\n{bad\n",
		`{"conversations":[{"from":"human","value":"hi"},{"from":"gpt","value":"yo"}]}`,
		`{"chosen":"\n\nHuman: a\n\nAssistant: b","rejected":"\n\nHuman: a\n\nAssistant: c"}`,
		`{"messages":[{"role":"user","content":[{"type":"text","text":"x"}]},{"role":"assistant","content":null}]}`,
		"{\"instruction\":\"e\u0301\",\"output\":\"\\u0000 \\r\\n\\n\\n x\"}\n\n{}",
	} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, in string, dpo bool) {
		args := []string{"--redact-pii", "--lang", "en"}
		if dpo {
			args = append(args, "--to", "dpo")
		}
		var out, errb bytes.Buffer
		code := Main(args, strings.NewReader(in), &out, &errb)
		if code != app.OK && code != app.DataProblem {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
		for _, l := range lines[:len(lines)-1] {
			if !strings.HasPrefix(l, "ff-clean: stdin:") && !strings.HasPrefix(l, "ff-clean: … and") {
				t.Fatalf("stderr line without FILE:LINE: %q", l)
			}
		}
		m := summaryRE.FindStringSubmatch(lines[len(lines)-1])
		if m == nil {
			t.Fatalf("no summary in %q", errb.String())
		}
		read, _ := strconv.Atoi(m[1])
		wrote, _ := strconv.Atoi(m[2])
		rejected, _ := strconv.Atoi(m[3])
		if read != wrote+rejected || strings.Count(out.String(), "\n") != wrote {
			t.Fatalf("read %d wrote %d rejected %d, %d output rows", read, wrote, rejected, strings.Count(out.String(), "\n"))
		}
	})
}

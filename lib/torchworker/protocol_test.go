package torchworker

import (
	"strings"
	"testing"
)

func TestParseMessage(t *testing.T) {
	cases := []struct {
		line, typ, err string
		check          func(Message) bool
	}{
		{line: `{"type":"hello","protocol":1,"torch":"1.13.0","transformers":null,"peft":"0.12.0","cuda":[{"index":0,"name":"H100","memory_bytes":80}]}`,
			typ: "hello", check: func(m Message) bool {
				return m.Hello.Torch == "1.13.0" && m.Hello.Transformers == nil && *m.Hello.Peft == "0.12.0" &&
					m.Hello.UsableCUDA() && !m.Hello.HasHF() && m.Hello.CUDA[0].MemoryBytes == 80
			}},
		{line: `{"type":"progress","phase":"train","epoch":2,"step":5,"steps":26,"loss":1.5,"lr":0.0002,"tokens":900}`,
			typ: "progress", check: func(m Message) bool {
				p := m.Progress
				return p.Phase == "train" && p.Epoch == 2 && p.Step == 5 && p.Steps == 26 && p.Loss == 1.5 && p.Tokens == 900
			}},
		{line: `  {"type":"result","eval_loss":2.25,"eval_losses":[2.0,null,2.5],"base_eval_loss":3.0,"train_loss":null,"memory_bytes":1024}` + "\r\n",
			typ: "result", check: func(m Message) bool {
				r := m.Result
				return r.EvalLoss == 2.25 && len(r.EvalLosses) == 3 && *r.BaseEvalLoss == 3 && r.TrainLoss == nil && r.MemoryBytes == 1024
			}},
		{line: `{"type":"error","kind":"oom","phase":"eval","row":0,"length":512,"message":"CUDA out of memory"}`,
			typ: "error", check: func(m Message) bool {
				e, ok := m.Err.asError("python3", "cuda:0").(*OOMError)
				return ok && e.Row == 0 && e.Length == 512 && e.Device == "cuda:0" && e.Phase == "eval"
			}},
		{line: `{"type":"error","kind":"oom","phase":"load","row":null,"message":"x"}`,
			typ: "error", check: func(m Message) bool {
				e, ok := m.Err.asError("python3", "cuda:1").(*OOMError)
				return ok && e.Row == -1 && !strings.Contains(e.Error(), "row")
			}},
		{line: `{"type":"error","kind":"failure","message":"bad config"}`,
			typ: "error", check: func(m Message) bool {
				e, ok := m.Err.asError("py", "").(*WorkerError)
				return ok && e.Message == "bad config"
			}},
		{line: ``, err: "not a protocol line"},
		{line: `Loading checkpoint shards: 100%`, err: "not a protocol line"},
		{line: `{"type":"progress","step":"five"}`, err: "bad progress message"},
		{line: `{"type":"launch"}`, err: "unknown protocol message type"},
		{line: `{"type":`, err: "bad protocol line"},
		{line: `[1,2]`, err: "not a protocol line"},
	}
	for _, c := range cases {
		m, err := ParseMessage([]byte(c.line))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err %v, want %q", c.line, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.line, err)
			continue
		}
		if m.Type != c.typ || !c.check(m) {
			t.Errorf("%q: decoded %+v", c.line, m)
		}
	}
}

// FuzzParseMessage: any bytes decode to a message or an error, never a
// panic, and a decoded message has exactly the part its type names.
func FuzzParseMessage(f *testing.F) {
	for _, s := range []string{
		`{"type":"hello","protocol":1,"cuda":[{"index":0}]}`,
		`{"type":"progress","phase":"eval","done":3,"total":10}`,
		`{"type":"result","eval_loss":1,"eval_losses":[1,null]}`,
		`{"type":"error","kind":"missing","package":"torch"}`,
		`{"type":"error","kind":"oom","row":-1}`,
		`not json`, `{}`, `{"type":null}`, "\xff{",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMessage(b)
		if err != nil {
			return
		}
		set := 0
		for _, p := range []bool{m.Hello != nil, m.Progress != nil, m.Result != nil, m.Err != nil} {
			if p {
				set++
			}
		}
		if set != 1 {
			t.Fatalf("%q: %d parts set for type %q", b, set, m.Type)
		}
		if m.Err != nil {
			_ = m.Err.asError("python3", "cpu").Error()
		}
	})
}

func TestTailWriter(t *testing.T) {
	var copied strings.Builder
	w := newTailWriter(3, &copied)
	input := "one\ntwo\n\nthree\nfo" + "ur\n" + strings.Repeat("x", 2000) + "\npartial"
	for _, chunk := range strings.SplitAfter(input, "o") { // writes split mid-line
		w.Write([]byte(chunk))
	}
	got := w.Lines()
	if len(got) != 3 || got[0] != "four" || !strings.HasSuffix(got[1], "…") || len(got[1]) > maxLine+len("…") || got[2] != "partial" {
		t.Errorf("lines %q", got)
	}
	if copied.String() != input {
		t.Errorf("copy lost bytes")
	}
}

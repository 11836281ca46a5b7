package torchworker

import (
	"bytes"
	"io"
	"sync"
)

// tailWriter keeps the last lines written to it (the worker's stderr, for
// error messages) and copies everything to an optional writer.
type tailWriter struct {
	mu      sync.Mutex
	max     int
	lines   []string
	partial []byte
	copy    io.Writer
}

func newTailWriter(max int, copy io.Writer) *tailWriter {
	return &tailWriter{max: max, copy: copy}
}

// maxLine bounds one kept line; a traceback's last line is what matters.
const maxLine = 400

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.copy != nil {
		t.copy.Write(p)
	}
	t.partial = append(t.partial, p...)
	for {
		i := bytes.IndexByte(t.partial, '\n')
		if i < 0 {
			break
		}
		t.keep(t.partial[:i])
		t.partial = t.partial[i+1:]
	}
	if len(t.partial) > 4*maxLine { // a line with no end: keep its start
		t.keep(t.partial)
		t.partial = t.partial[:0]
	}
	return len(p), nil
}

func (t *tailWriter) keep(line []byte) {
	line = bytes.TrimRight(line, "\r")
	if len(bytes.TrimSpace(line)) == 0 {
		return
	}
	s := string(line)
	if len(s) > maxLine {
		s = s[:maxLine] + "…"
	}
	t.lines = append(t.lines, s)
	if len(t.lines) > t.max {
		t.lines = t.lines[len(t.lines)-t.max:]
	}
}

// Lines returns the kept lines, the unfinished last one included.
func (t *tailWriter) Lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := append([]string(nil), t.lines...)
	if len(bytes.TrimSpace(t.partial)) > 0 {
		out = append(out, string(t.partial))
	}
	if len(out) > t.max {
		out = out[len(out)-t.max:]
	}
	return out
}

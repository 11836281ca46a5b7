package app

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/urfave/cli/v2"
)

// Log writes talk to stderr: warnings, per-row problems and the one-line
// summary, as text or as JSON lines (--log-format json). Safe for concurrent use.
type Log struct {
	mu    sync.Mutex
	w     io.Writer
	prog  string
	json  bool
	quiet bool
}

// NewLog builds the Log of a running command from its shared flags.
func NewLog(c *cli.Context) *Log {
	env := EnvOf(c)
	return &Log{w: env.Stderr, prog: env.Prog, json: c.String(FlagLogFormat) == "json", quiet: c.Bool(FlagQuiet)}
}

// NewLogTo is NewLog without a cli.Context (tests, libraries).
func NewLogTo(w io.Writer, prog string, jsonFormat, quiet bool) *Log {
	return &Log{w: w, prog: prog, json: jsonFormat, quiet: quiet}
}

// JSON reports whether --log-format json was given: anything drawn on stderr
// (a progress bar) must then stay off.
func (l *Log) JSON() bool { return l.json }

// Quiet reports whether --quiet was given.
func (l *Log) Quiet() bool { return l.quiet }

// KV is one ordered key/value pair of a structured log line.
type KV struct {
	Key   string
	Value any
}

func (l *Log) emit(level, msg string, kv []KV, always bool) {
	if l.quiet && !always {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.json {
		fmt.Fprintf(l.w, "%s: %s\n", l.prog, msg)
		return
	}
	buf := []byte(`{"time":`)
	buf, _ = appendJSON(buf, time.Now().UTC().Format(time.RFC3339))
	buf = append(buf, `,"prog":`...)
	buf, _ = appendJSON(buf, l.prog)
	buf = append(buf, `,"level":`...)
	buf, _ = appendJSON(buf, level)
	buf = append(buf, `,"msg":`...)
	buf, _ = appendJSON(buf, msg)
	for _, p := range kv {
		buf = append(buf, ',')
		buf, _ = appendJSON(buf, p.Key)
		buf = append(buf, ':')
		buf, _ = appendJSON(buf, p.Value)
	}
	buf = append(buf, "}\n"...)
	l.w.Write(buf)
}

func appendJSON(dst []byte, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(fmt.Sprint(v))
	}
	return append(dst, b...), err
}

// Infof is ordinary talk, silenced by --quiet.
func (l *Log) Infof(format string, args ...any) {
	l.emit("info", fmt.Sprintf(format, args...), nil, false)
}

// Warnf is a warning; --quiet does not silence it.
func (l *Log) Warnf(format string, args ...any) {
	l.emit("warn", fmt.Sprintf(format, args...), nil, true)
}

// Errorf is an error message; --quiet does not silence it.
func (l *Log) Errorf(format string, args ...any) {
	l.emit("error", fmt.Sprintf(format, args...), nil, true)
}

// Summary prints the one-line end-of-run summary; in JSON mode the pairs
// become fields so cron/CI can read counts without parsing the text.
func (l *Log) Summary(text string, kv ...KV) { l.emit("summary", text, kv, false) }

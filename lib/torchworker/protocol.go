package torchworker

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// ProtocolVersion is the version of the worker protocol; the worker's hello
// must carry the same, so a stale worker script is refused, not misread.
//
// The protocol: the worker writes one JSON object per line on its stdout.
//
//	{"type":"hello","protocol":1,"python":"3.11.2","torch":"2.4.0","transformers":"4.44.0"|null,
//	 "peft":…,"bitsandbytes":…,"cuda":[{"index":0,"name":"NVIDIA …","memory_bytes":…}],"cuda_error":""}
//	{"type":"progress", …Progress}
//	{"type":"result", …Result}
//	{"type":"error","kind":"missing|oom|usage|failure","message":…,"package":…,"phase":…,"row":…,"length":…}
//
// After the hello, the parent writes the job as one JSON line on the
// worker's stdin and keeps stdin open; the worker exits when stdin closes
// (its parent died). Anything else the worker prints goes to stderr.
const ProtocolVersion = 1

// Message is one decoded protocol line; Type says which fields are set.
type Message struct {
	Type     string
	Hello    *Capabilities
	Progress *Progress
	Result   *Result
	Err      *wireError
}

// wireError is the worker's explained failure.
type wireError struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Package string `json:"package"`
	Hint    string `json:"hint"`
	Phase   string `json:"phase"`
	Row     *int   `json:"row"`
	Length  int    `json:"length"`
	Device  string `json:"device"`
}

// CUDADevice is one GPU the worker's torch can see.
type CUDADevice struct {
	Index       int    `json:"index"`
	Name        string `json:"name"`
	MemoryBytes int64  `json:"memory_bytes"`
}

// Capabilities is the worker's hello: what its interpreter can do.
type Capabilities struct {
	Protocol     int          `json:"protocol"`
	Python       string       `json:"python"`
	Executable   string       `json:"executable"`
	Torch        string       `json:"torch"`
	Transformers *string      `json:"transformers"`
	Peft         *string      `json:"peft"`
	Bitsandbytes *string      `json:"bitsandbytes"`
	CUDA         []CUDADevice `json:"cuda"`
	CUDAError    string       `json:"cuda_error,omitempty"` // why CUDA is unusable, when torch says
}

// UsableCUDA reports whether at least one CUDA device can be used.
func (c Capabilities) UsableCUDA() bool { return len(c.CUDA) > 0 }

// HasHF reports whether the transformers+peft path is available.
func (c Capabilities) HasHF() bool { return c.Transformers != nil && c.Peft != nil }

// ParseMessage decodes one line of the worker's stdout. A line that is not a
// protocol object is an error (the caller treats it as stray output).
func ParseMessage(line []byte) (Message, error) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		return Message{}, fmt.Errorf("not a protocol line")
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(line, &head); err != nil {
		return Message{}, fmt.Errorf("bad protocol line: %v", err)
	}
	m := Message{Type: head.Type}
	var err error
	switch head.Type {
	case "hello":
		m.Hello = new(Capabilities)
		err = json.Unmarshal(line, m.Hello)
	case "progress":
		m.Progress = new(Progress)
		err = json.Unmarshal(line, m.Progress)
	case "result":
		m.Result = new(Result)
		err = json.Unmarshal(line, m.Result)
	case "error":
		m.Err = new(wireError)
		err = json.Unmarshal(line, m.Err)
	default:
		return Message{}, fmt.Errorf("unknown protocol message type %q", head.Type)
	}
	if err != nil {
		return Message{}, fmt.Errorf("bad %s message: %v", head.Type, err)
	}
	return m, nil
}

// asError turns the worker's explained failure into a typed error.
func (w *wireError) asError(python, device string) error {
	switch w.Kind {
	case "missing":
		return &MissingError{What: w.Package, Python: python, Detail: w.Message, Hint: w.Hint}
	case "oom":
		row := -1
		if w.Row != nil {
			row = *w.Row
		}
		if w.Device != "" {
			device = w.Device
		}
		return &OOMError{Device: device, Phase: w.Phase, Row: row, Length: w.Length, Detail: w.Message}
	default:
		return &WorkerError{Kind: w.Kind, Message: w.Message}
	}
}

// wireJob is the job as the worker reads it.
type wireJob struct {
	Protocol   int        `json:"protocol"`
	ModelDir   string     `json:"model_dir"`
	Train      []Sequence `json:"train"`
	Order      [][]int    `json:"order"`
	Eval       []Sequence `json:"eval"`
	BaseEval   bool       `json:"base_eval"`
	EvalOnly   bool       `json:"eval_only"`
	Recipe     Recipe     `json:"recipe"`
	AdapterIn  string     `json:"adapter_in"`
	AdapterOut string     `json:"adapter_out"` // a staging directory, renamed by the parent
	Device     string     `json:"device"`
	Dtype      string     `json:"dtype"`
	Quant      string     `json:"quant"`
	Optim      string     `json:"optim"`
	Impl       string     `json:"impl"`
	Threads    int        `json:"threads"`
}

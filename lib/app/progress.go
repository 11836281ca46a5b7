package app

import (
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Progress is a progress bar on stderr when stderr is a terminal, and nothing
// otherwise (pipes, files, --quiet, --log-format json).
type Progress struct{ bar *progressbar.ProgressBar }

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// NewProgress starts a bar counting units (total -1 when unknown) described by desc.
// Byte counts (bytes=true) are shown with MB/s.
func NewProgress(l *Log, stderr io.Writer, total int64, desc string, bytes bool) *Progress {
	if l.quiet || l.json || !IsTerminal(stderr) {
		return &Progress{}
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionThrottle(100_000_000),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(true),
	}
	if bytes {
		opts = append(opts, progressbar.OptionShowBytes(true))
	} else {
		opts = append(opts, progressbar.OptionShowIts(), progressbar.OptionSetItsString("rows"))
	}
	return &Progress{bar: progressbar.NewOptions64(total, opts...)}
}

// Add advances the bar by n.
func (p *Progress) Add(n int64) {
	if p != nil && p.bar != nil {
		p.bar.Add64(n)
	}
}

// Describe replaces the bar's description (epoch, loss, …).
func (p *Progress) Describe(s string) {
	if p != nil && p.bar != nil {
		p.bar.Describe(s)
	}
}

// Finish clears the bar.
func (p *Progress) Finish() {
	if p != nil && p.bar != nil {
		p.bar.Finish()
	}
}

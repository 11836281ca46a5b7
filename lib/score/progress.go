package score

import (
	"fmt"
	"io"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/train"
	"github.com/schollz/progressbar/v3"
)

// stepBar is the progress bar of a run on a terminal's stderr: evaluation
// rows, then optimizer steps with epoch, loss and tokens/s; the bar shows
// the time left. Nothing is drawn in pipes, under --quiet or JSON logs.
type stepBar struct {
	on    bool
	w     io.Writer
	bar   *progressbar.ProgressBar
	phase string
}

func newStepBar(l *app.Log, stderr io.Writer) *stepBar {
	return &stepBar{on: !l.Quiet() && !l.JSON() && app.IsTerminal(stderr), w: stderr}
}

func (s *stepBar) start(phase string, total int) {
	if s.bar != nil {
		s.bar.Finish()
	}
	s.phase = phase
	s.bar = progressbar.NewOptions(total,
		progressbar.OptionSetWriter(s.w),
		progressbar.OptionSetDescription(phase),
		progressbar.OptionShowCount(),
		progressbar.OptionThrottle(100_000_000),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionFullWidth(),
	)
}

func (s *stepBar) evalRow(done, total int) {
	if !s.on {
		return
	}
	if s.phase != "eval" || s.bar == nil {
		s.start("eval", total)
	}
	s.bar.Set(done)
}

func (s *stepBar) step(p train.Progress) {
	if !s.on {
		return
	}
	if s.phase != "train" || s.bar == nil {
		s.start("train", p.Steps)
	}
	tps := 0.0
	if sec := p.Elapsed.Seconds(); sec > 0 {
		tps = float64(p.Tokens) / sec
	}
	s.bar.Describe(fmt.Sprintf("epoch %d/%d loss %.4f %.0f tok/s", p.Epoch, p.Epochs, p.Loss, tps))
	s.bar.Set(p.Step)
}

func (s *stepBar) finish() {
	if s.bar != nil {
		s.bar.Finish()
		s.bar = nil
		s.phase = ""
	}
}

package weights

import (
	"bytes"
	"fmt"
	"image/color"
	"path/filepath"
	"strings"

	"github.com/flock-off/ff/lib/app"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// plotFormatKnown reports whether Plot can draw into path's format.
func plotFormatKnown(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".svg", ".png":
		return true
	}
	return false
}

// Plot draws two bar charts, evaluation loss (with the curve's minb, bench
// and maxb marked) and weight per uid, into a .png or .svg file.
func Plot(path string, ds []Decision, c *Competition) error {
	losses := make(plotter.Values, len(ds))
	ws := make(plotter.Values, len(ds))
	names := make([]string, len(ds))
	for i, d := range ds {
		if d.EvalLoss != nil {
			losses[i] = *d.EvalLoss
		}
		ws[i] = d.Weight
		names[i] = fmt.Sprintf("%d\n%s", d.UID, shortReason(d.Reason))
	}
	width := vg.Length(len(ds))*0.3*vg.Inch + 2*vg.Inch
	if width < 6*vg.Inch {
		width = 6 * vg.Inch
	}
	barW := (width - 1.5*vg.Inch) / vg.Length(len(ds)+1) * 0.7

	top := plot.New()
	top.Title.Text = "evaluation loss by uid (lines: minb, bench, maxb)"
	top.Y.Label.Text = "eval loss"
	lb, err := plotter.NewBarChart(losses, barW)
	if err != nil {
		return err
	}
	lb.Color = color.RGBA{R: 70, G: 110, B: 170, A: 255}
	lb.LineStyle.Width = 0
	top.Add(lb)
	for _, y := range []float64{c.MinB, c.Bench, c.MaxB} {
		l, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: y}, {X: float64(len(ds)) - 0.5, Y: y}})
		if err != nil {
			return err
		}
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		top.Add(l)
	}
	top.NominalX(names...)

	bottom := plot.New()
	bottom.Title.Text = "weight by uid"
	bottom.Y.Label.Text = "weight"
	bottom.X.Label.Text = "uid"
	wb, err := plotter.NewBarChart(ws, barW)
	if err != nil {
		return err
	}
	wb.Color = color.RGBA{R: 220, G: 120, B: 40, A: 255}
	wb.LineStyle.Width = 0
	bottom.Add(wb)
	bottom.NominalX(names...)

	height := 7 * vg.Inch
	var cv vg.CanvasWriterTo
	switch strings.ToLower(filepath.Ext(path)) {
	case ".svg":
		cv = vgsvg.New(width, height)
	case ".png":
		cv = vgimg.PngCanvas{Canvas: vgimg.New(width, height)}
	default:
		return fmt.Errorf("unknown plot format %q (want .png or .svg)", filepath.Ext(path))
	}
	dc := draw.New(cv)
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadTop: vg.Points(4), PadBottom: vg.Points(4), PadY: vg.Points(8), PadLeft: vg.Points(4), PadRight: vg.Points(8)}
	cs := plot.Align([][]*plot.Plot{{top}, {bottom}}, tiles, dc)
	top.Draw(cs[0][0])
	bottom.Draw(cs[1][0])
	var buf bytes.Buffer
	if _, err := cv.WriteTo(&buf); err != nil {
		return err
	}
	return app.WriteFileAtomic(path, buf.Bytes(), 0o644)
}

// shortReason labels a bar: what a reader needs to tell a zero from a loss of zero.
func shortReason(r string) string {
	switch r {
	case ReasonNoCommitment:
		return "none"
	case ReasonDuplicate:
		return "dup"
	case ReasonCompetitionMismatch:
		return "comp"
	case ReasonHotkeyChanged:
		return "hotkey"
	case ReasonScoringFailed:
		return "failed"
	case ReasonLossAboveMax:
		return ">max"
	case ReasonNotEligible, ReasonEligible, ReasonBelowMinWeight:
		return "-"
	}
	return r
}

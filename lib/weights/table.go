package weights

import (
	"bytes"
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteTable prints the decisions for people: one row per uid.
func WriteTable(w io.Writer, ds []Decision) {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "uid\thotkey\tloss\trank\tscore\tweight\tu16\t reason")
	for _, d := range ds {
		loss, rank := "-", "-"
		if d.EvalLoss != nil {
			loss = fmt.Sprintf("%.5f", *d.EvalLoss)
		}
		if d.Rank != nil {
			rank = fmt.Sprint(*d.Rank)
		}
		reason := d.Reason
		if d.DuplicateOf != nil {
			reason = fmt.Sprintf("%s %d", reason, *d.DuplicateOf)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%.4f\t%.4f\t%d\t %s\n", d.UID, short(d.Hotkey), loss, rank, d.Score, d.Weight, d.WeightU16, reason)
	}
	tw.Flush()
	w.Write(b.Bytes())
}

package dedup

import (
	"fmt"
	"slices"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/record"
	"github.com/urfave/cli/v2"
)

func overlapCommand() *cli.Command {
	flags := append([]cli.Flag{app.RejectsFlag()}, paramFlags()...)
	return &cli.Command{
		Name:      "overlap",
		Usage:     "count, for every pair of datasets, the rows of each that have an exact or near twin in the other",
		ArgsUsage: "A B [C...]",
		Description: `Prints one JSON line per pair of datasets (files): rows of each, rows of A with
a twin in B (a_in_b) and of B in A (b_in_a), and how many of those are exact
(identical normalized text). A validator ranks copied datasets with it.`,
		Flags:  append(flags, app.CommonFlags()...),
		Action: runOverlap,
	}
}

// twinSets records, per row, the other datasets it has a twin in.
type twinSets struct {
	near  [][]int32
	exact [][]int32
}

func addTwin(s [][]int32, row int32, d int32) {
	if !slices.Contains(s[row], d) {
		s[row] = append(s[row], d)
	}
}

func runOverlap(c *cli.Context) error {
	p, err := paramsOf(c)
	if err != nil {
		return err
	}
	files := c.Args().Slice()
	if len(files) < 2 {
		return app.Usagef("overlap needs at least two datasets")
	}
	ctx, env, log := c.Context, app.EnvOf(c), app.NewLog(c)
	var ins []input
	for i, f := range files {
		if f == "-" {
			return app.Usagef("overlap: datasets must be files")
		}
		ins = append(ins, input{Name: f, Path: f, Dataset: int32(i)})
	}
	onBad, rejOut, err := openRejects(c, log)
	if err != nil {
		return err
	}
	if rejOut != nil {
		defer rejOut.Abort()
	}
	prog := app.NewProgress(log, env.Stderr, -1, "signatures", false)
	ix, st, err := indexAll(ctx, ins, p, app.Threads(c), onBad, prog)
	prog.Finish()
	if err != nil {
		return err
	}
	defer ix.Close()

	n := len(ix.Rows)
	ts := twinSets{near: make([][]int32, n), exact: make([][]int32, n)}
	exactDup := make([]bool, n)
	for _, g := range exactGroups(ix) {
		for _, id := range g[1:] {
			exactDup[id] = true
		}
		var ds []int32
		for _, x := range g {
			if d := ix.Dataset(int(x)); !slices.Contains(ds, d) {
				ds = append(ds, d)
			}
		}
		for _, x := range g {
			for _, d := range ds {
				if d != ix.Dataset(int(x)) {
					addTwin(ts.exact, x, d)
					addTwin(ts.near, x, d)
				}
			}
		}
	}
	v := newVerifier(ix)
	for b := 0; b < p.Bands; b++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		g := bandGroups(ix, exactDup, b)
		for bi := 0; bi < g.count(); bi++ {
			bucket := g.bucket(bi)
			for _, x := range bucket {
				checked := 0
				for _, y := range bucket {
					dx, dy := ix.Dataset(int(x)), ix.Dataset(int(y))
					if dx == dy || slices.Contains(ts.near[x], dy) {
						continue
					}
					if checked++; checked > maxCompare {
						break
					}
					ok, err := v.similar(x, y, p.Threshold)
					if err != nil {
						return err
					}
					if ok {
						addTwin(ts.near, x, dy)
						addTwin(ts.near, y, dx)
					}
				}
			}
		}
	}
	// Rows that stood in LSH for an exact group pass their twins on.
	for _, g := range exactGroups(ix) {
		for _, id := range g[1:] {
			for _, d := range ts.near[g[0]] {
				if d != ix.Dataset(int(id)) {
					addTwin(ts.near, id, d)
				}
			}
		}
	}

	k := len(files)
	rows := make([]int64, k)
	near := make([][]int64, k) // near[a][b]: rows of a with a twin in b
	exact := make([][]int64, k)
	for a := range k {
		near[a], exact[a] = make([]int64, k), make([]int64, k)
	}
	for i := range ix.Rows {
		d := ix.Dataset(i)
		rows[d]++
		for _, o := range ts.near[i] {
			near[d][o]++
		}
		for _, o := range ts.exact[i] {
			exact[d][o]++
		}
	}
	out, err := app.CreateOutput("", env.Stdout)
	if err != nil {
		return err
	}
	defer out.Abort()
	var line []byte
	for a := 0; a < k; a++ {
		for b := a + 1; b < k; b++ {
			line = append(line[:0], `{"a":`...)
			line = record.AppendString(line, files[a])
			line = append(line, `,"b":`...)
			line = record.AppendString(line, files[b])
			line = fmt.Appendf(line, `,"rows_a":%d,"rows_b":%d,"a_in_b":%d,"b_in_a":%d,"exact_a_in_b":%d,"exact_b_in_a":%d}`+"\n",
				rows[a], rows[b], near[a][b], near[b][a], exact[a][b], exact[b][a])
			if _, err := out.Write(line); err != nil {
				return err
			}
		}
	}
	if err := out.Commit(); err != nil {
		return err
	}
	if rejOut != nil {
		if err := rejOut.Commit(); err != nil {
			return err
		}
	}
	log.Summary(fmt.Sprintf("%d datasets, %d rows, %d pairs compared with %d Jaccard checks", k, st.Rows, k*(k-1)/2, v.calls),
		app.KV{Key: "datasets", Value: k}, app.KV{Key: "rows", Value: st.Rows}, app.KV{Key: "jaccard_checks", Value: v.calls})
	if st.Malformed > 0 {
		return app.Exit(app.DataProblem, nil)
	}
	return nil
}

package dedup

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/record"
	"github.com/urfave/cli/v2"
)

// resolveInputs turns file arguments into inputs of one dataset. Standard
// input ("-" or no files) is copied to a temporary file first: the rows are
// read twice (signatures, then output) and a pipe can be read only once.
func resolveInputs(args []string, stdin io.Reader, dataset int32) ([]input, func(), error) {
	if len(args) == 0 {
		args = []string{"-"}
	}
	var tmps []string
	cleanup := func() {
		for _, t := range tmps {
			os.Remove(t)
		}
	}
	var ins []input
	for _, a := range args {
		if a != "-" {
			ins = append(ins, input{Name: a, Path: a, Dataset: dataset})
			continue
		}
		f, err := os.CreateTemp("", "ff-dedup-stdin-*")
		if err != nil {
			cleanup()
			return nil, nil, app.Failf("spool stdin: %v", err)
		}
		tmps = append(tmps, f.Name())
		_, err = io.Copy(f, stdin)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			cleanup()
			return nil, nil, app.Failf("spool stdin: %v", err)
		}
		ins = append(ins, input{Name: record.StdinName, Path: f.Name(), Dataset: dataset})
	}
	return ins, cleanup, nil
}

// maxNamedMalformed is how many malformed rows are named on stderr.
const maxNamedMalformed = 20

// openRejects returns the --rejects handler for malformed rows: always a
// warning on stderr with FILE:LINE, and the row in the rejects file if asked.
func openRejects(c *cli.Context, log *app.Log) (func(*record.RowError) error, *app.Output, error) {
	var out *app.Output
	var w record.Writer
	if p := c.String(app.FlagRejects); p != "" {
		o, err := app.CreateOutput(p, nil)
		if err != nil {
			return nil, nil, err
		}
		out = o
		w, _ = record.NewWriter(o, record.JSONL)
	}
	var seen atomic.Int64
	return func(re *record.RowError) error {
		// Name the first few: a file of bad rows must not flood stderr;
		// the summary has the count and --rejects every row.
		switch n := seen.Add(1); {
		case n <= maxNamedMalformed:
			log.Warnf("%s: %v (skipped)", re.Source, re.Err)
		case n == maxNamedMalformed+1:
			log.Warnf("more malformed rows skipped; the count is in the summary")
		}
		if w == nil {
			return nil
		}
		rec := &record.Record{}
		rec.SetValue("_reject", "malformed JSON: "+re.Err.Error())
		rec.SetValue("_source", re.Source.String())
		rec.SetValue("_raw", string(re.Raw))
		return w.Write(rec)
	}, out, nil
}

// indexAll computes the signatures of all inputs into an unlinked temporary
// store and returns the index over them.
func indexAll(ctx context.Context, ins []input, p Params, threads int, onBad func(*record.RowError) error, progress *app.Progress) (*Index, buildStats, error) {
	store, err := os.CreateTemp("", "ff-dedup-*.sig")
	if err != nil {
		return nil, buildStats{}, app.Failf("temporary store: %v", err)
	}
	os.Remove(store.Name()) // vanishes with the process, even on a crash
	bw := bufio.NewWriterSize(store, 1<<20)
	h := sigHeader{Params: p, Shards: 1}
	for _, in := range ins {
		h.Inputs = append(h.Inputs, in.Name)
	}
	base, err := writeSigHeader(bw, h)
	if err != nil {
		store.Close()
		return nil, buildStats{}, app.Failf("temporary store: %v", err)
	}
	ix, st, err := build(ctx, ins, buildOpts{params: p, shards: 1, threads: threads, collect: true, onBad: onBad, progress: progress}, bw, base)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		store.Close()
		return nil, st, err
	}
	ix.stores = []*os.File{store}
	return ix, st, nil
}

func runDedup(c *cli.Context) error {
	p, err := paramsOf(c)
	if err != nil {
		return err
	}
	if c.Bool(flagReport) && len(c.StringSlice(flagAgainst)) == 0 {
		return app.Usagef("--report needs --against REF")
	}
	ctx, env, log := c.Context, app.EnvOf(c), app.NewLog(c)
	threads := app.Threads(c)
	keep, _ := parseKeep(p.Keep)

	ins, cleanup, err := resolveInputs(c.Args().Slice(), env.Stdin, 0)
	if err != nil {
		return err
	}
	defer cleanup()
	all := ins
	for _, ref := range c.StringSlice(flagAgainst) {
		if ref == "-" {
			return app.Usagef("--against: a reference set must be a file")
		}
		all = append(all, input{Name: ref, Path: ref, Dataset: 1})
	}

	format, err := record.FormatFor(c.String(app.FlagOutput), c.String(app.FlagOutputFormat))
	if err != nil {
		return app.Usagef("%v", err)
	}
	out, err := app.CreateOutput(c.String(app.FlagOutput), env.Stdout)
	if err != nil {
		return err
	}
	defer out.Abort()
	onBad, rejOut, err := openRejects(c, log)
	if err != nil {
		return err
	}
	if rejOut != nil {
		defer rejOut.Abort()
	}
	var clOut, rmOut *app.Output
	if path := c.String(flagClusters); path != "" {
		if clOut, err = app.CreateOutput(path, nil); err != nil {
			return err
		}
		defer clOut.Abort()
	}
	var rmW record.Writer
	if path := c.String(flagRemoved); path != "" {
		if rmOut, err = app.CreateOutput(path, nil); err != nil {
			return err
		}
		defer rmOut.Abort()
		rmW, _ = record.NewWriter(rmOut, record.JSONL)
	}

	prog := app.NewProgress(log, env.Stderr, -1, "signatures", false)
	ix, st, err := indexAll(ctx, all, p, threads, onBad, prog)
	prog.Finish()
	if err != nil {
		return err
	}
	defer ix.Close()

	var decide func(id int64, src record.Source) (fate, error)
	var summary string
	var kv []app.KV
	if len(all) > len(ins) {
		decide, summary, kv, err = againstRun(ctx, ix, keep, threads, c.Bool(flagReport), c.Bool(flagSelf), clOut)
	} else {
		decide, summary, kv, err = selfRun(ctx, ix, keep, threads, clOut)
	}
	if err != nil {
		return err
	}

	w, err := record.NewWriter(out, format)
	if err != nil {
		return err
	}
	nKept, nRemoved, err := filterRows(ctx, ins, decide, w, rmW)
	if err == nil {
		err = w.Close()
	}
	if err == nil && rmW != nil {
		err = rmW.Close()
	}
	if err != nil {
		return err
	}
	for _, o := range []*app.Output{out, clOut, rmOut, rejOut} {
		if o != nil {
			if err := o.Commit(); err != nil {
				return err
			}
		}
	}
	text := fmt.Sprintf("%d rows in, %d kept, %d removed; %s", nKept+nRemoved, nKept, nRemoved, summary)
	if st.Short > 0 {
		text += fmt.Sprintf("; %d short rows compared exactly", st.Short)
	}
	if st.NoText > 0 {
		text += fmt.Sprintf("; %d rows without text kept as they are", st.NoText)
	}
	if st.Malformed > 0 {
		text += fmt.Sprintf("; %d malformed rows skipped", st.Malformed)
	}
	kv = append([]app.KV{{Key: "rows", Value: nKept + nRemoved}, {Key: "kept", Value: nKept}, {Key: "removed", Value: nRemoved}}, kv...)
	kv = append(kv, app.KV{Key: "short", Value: st.Short}, app.KV{Key: "no_text", Value: st.NoText}, app.KV{Key: "malformed", Value: st.Malformed})
	log.Summary(text, kv...)
	if st.Malformed > 0 {
		return app.Exit(app.DataProblem, nil)
	}
	return nil
}

// selfRun clusters the index and decides each row by its cluster.
func selfRun(ctx context.Context, ix *Index, keep keepRule, threads int, clOut io.Writer) (func(int64, record.Source) (fate, error), string, []app.KV, error) {
	cl := newClusterer(ix)
	if err := cl.run(ctx, threads); err != nil {
		return nil, "", nil, err
	}
	v, err := cl.resolve(keep, writerOrNil(clOut))
	if err != nil {
		return nil, "", nil, err
	}
	decide := func(id int64, _ record.Source) (fate, error) {
		if !v.removed[id] {
			return fate{}, nil
		}
		why := v.why[id]
		return fate{removed: true, reason: "duplicate", of: ix.Source(int(why.Kept)), jaccard: why.Jaccard, exact: why.Exact}, nil
	}
	summary := fmt.Sprintf("%d clusters (%d exact and %d verified near-duplicate merges, %d Jaccard checks)",
		v.clusters, cl.exact, cl.merges, cl.v.calls)
	if v.clusters > 0 {
		summary += fmt.Sprintf("; largest cluster %d rows, lowest Jaccard to a kept row %s", v.largest, fmtJaccard(v.minJaccard))
	}
	return decide, summary, []app.KV{{Key: "clusters", Value: v.clusters}, {Key: "exact_merges", Value: cl.exact},
		{Key: "near_merges", Value: cl.merges}, {Key: "jaccard_checks", Value: cl.v.calls},
		{Key: "largest_cluster", Value: v.largest}, {Key: "min_jaccard_to_kept", Value: v.minJaccard}}, nil
}

// writerOrNil avoids a typed-nil io.Writer for an absent *app.Output.
func writerOrNil(o io.Writer) io.Writer {
	if out, ok := o.(*app.Output); ok && out == nil {
		return nil
	}
	return o
}

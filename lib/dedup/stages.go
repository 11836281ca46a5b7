package dedup

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/record"
	"github.com/urfave/cli/v2"
)

func signaturesCommand() *cli.Command {
	flags := []cli.Flag{
		&cli.StringFlag{Name: app.FlagOutput, Aliases: []string{"o"}, Required: true, Usage: "write the signature file to `FILE`"},
		&cli.StringFlag{Name: "shard", Value: "0/1", Usage: "`I/N`: handle rows whose position modulo N is I (0-based)"},
		app.RejectsFlag(),
	}
	flags = append(flags, paramFlags()...)
	return &cli.Command{
		Name:      "signatures",
		Usage:     "stage 1: exact hashes, MinHash signatures and shingle fingerprints of one shard",
		ArgsUsage: "FILE...",
		Description: `Every shard reads all inputs (in the same order) and keeps the rows whose
position modulo N is I. All settings (--ngram, --bands, --rows, --threshold,
--keep, --fields, --seed) are fixed here and travel in the file.`,
		Flags:  append(flags, app.CommonFlags()...),
		Action: runSignatures,
	}
}

func parseShard(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, app.Usagef("--shard %q: want I/N with 0 <= I < N", s)
	}
	return i, n, nil
}

func stageInputs(c *cli.Context) ([]input, error) {
	if c.NArg() == 0 {
		return nil, app.Usagef("%s needs input files", c.Command.Name)
	}
	var ins []input
	for _, a := range c.Args().Slice() {
		if a == "-" {
			return nil, app.Usagef("%s: stages read their inputs more than once; give files, not stdin", c.Command.Name)
		}
		ins = append(ins, input{Name: a, Path: a})
	}
	return ins, nil
}

func runSignatures(c *cli.Context) error {
	p, err := paramsOf(c)
	if err != nil {
		return err
	}
	shard, shards, err := parseShard(c.String("shard"))
	if err != nil {
		return err
	}
	ins, err := stageInputs(c)
	if err != nil {
		return err
	}
	log := app.NewLog(c)
	onBad, rejOut, err := openRejects(c, log)
	if err != nil {
		return err
	}
	if rejOut != nil {
		defer rejOut.Abort()
	}
	out, err := app.CreateOutput(c.String(app.FlagOutput), nil)
	if err != nil {
		return err
	}
	defer out.Abort()
	h := sigHeader{Params: p, Shard: shard, Shards: shards}
	for _, in := range ins {
		h.Inputs = append(h.Inputs, in.Name)
	}
	base, err := writeSigHeader(out, h)
	if err != nil {
		return app.Failf("write %s: %v", c.String(app.FlagOutput), err)
	}
	prog := app.NewProgress(log, app.EnvOf(c).Stderr, -1, "signatures", false)
	_, st, err := build(c.Context, ins, buildOpts{params: p, shard: shard, shards: shards, threads: app.Threads(c), onBad: onBad, progress: prog}, out, base)
	prog.Finish()
	if err != nil {
		return err
	}
	if err := out.Commit(); err != nil {
		return err
	}
	if rejOut != nil {
		if err := rejOut.Commit(); err != nil {
			return err
		}
	}
	log.Summary(fmt.Sprintf("shard %d/%d: %d rows (%.1f MB), %d short, %d without text, %d malformed",
		shard, shards, st.Rows, float64(st.Bytes)/1e6, st.Short, st.NoText, st.Malformed),
		app.KV{Key: "rows", Value: st.Rows}, app.KV{Key: "bytes", Value: st.Bytes}, app.KV{Key: "malformed", Value: st.Malformed})
	if st.Malformed > 0 {
		return app.Exit(app.DataProblem, nil)
	}
	return nil
}

func bucketsCommand() *cli.Command {
	return &cli.Command{
		Name:      "buckets",
		Usage:     "stage 2: the candidate buckets of one LSH band",
		ArgsUsage: "SIG...",
		Description: `Reads the signature files of all shards and writes the buckets of band B
(0-based): groups of rows whose band keys agree. One job per band.`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: app.FlagOutput, Aliases: []string{"o"}, Required: true, Usage: "write the bucket file to `FILE`"},
			&cli.IntFlag{Name: "band", Required: true, Usage: "band `B` (0-based)"},
		}, app.CommonFlags()...),
		Action: runBuckets,
	}
}

func runBuckets(c *cli.Context) error {
	band := c.Int("band")
	ix, err := loadIndex(c.Args().Slice(), band)
	if err != nil {
		return app.Failf("%v", err)
	}
	defer ix.Close()
	if band < 0 || band >= ix.Params.Bands {
		return app.Usagef("--band %d: the signatures have bands 0..%d", band, ix.Params.Bands-1)
	}
	cl := newClusterer(ix)
	cl.mergeExact() // exact duplicates sit out of LSH, as in the single run
	g := bandGroups(ix, cl.exactDup, band)
	out, err := app.CreateOutput(c.String(app.FlagOutput), nil)
	if err != nil {
		return err
	}
	defer out.Abort()
	hb, _ := json.Marshal(bucketHeader{Params: ix.Params, Band: band, Total: len(ix.Rows), Inputs: ix.Files})
	fmt.Fprintf(out, "%s%s\n", bucketMagic, hb)
	var buf []byte
	for bi := 0; bi < g.count(); bi++ {
		b := g.bucket(bi)
		buf = binary.LittleEndian.AppendUint32(buf[:0], uint32(len(b)))
		for _, id := range b {
			buf = binary.LittleEndian.AppendUint32(buf, uint32(id))
		}
		out.Write(buf)
	}
	buf = binary.LittleEndian.AppendUint32(buf[:0], 0xffffffff)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(g.count()))
	out.Write(buf)
	if err := out.Commit(); err != nil {
		return err
	}
	app.NewLog(c).Summary(fmt.Sprintf("band %d: %d buckets over %d rows", band, g.count(), len(ix.Rows)),
		app.KV{Key: "band", Value: band}, app.KV{Key: "buckets", Value: g.count()})
	return nil
}

// readBuckets reads a bucket file, checking it belongs to the index.
func readBuckets(path string, ix *Index) (*groups, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	magic := make([]byte, len(bucketMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != bucketMagic {
		return nil, fmt.Errorf("%s: not an ff-dedup bucket file", path)
	}
	line, err := br.ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("%s: settings line: %w", path, err)
	}
	var h bucketHeader
	if err := json.Unmarshal(line, &h); err != nil {
		return nil, fmt.Errorf("%s: settings line: %w", path, err)
	}
	if h.Params != ix.Params || h.Total != len(ix.Rows) || len(h.Inputs) != len(ix.Files) {
		return nil, fmt.Errorf("%s: made from other signatures than the ones given", path)
	}
	g := &groups{band: h.Band, bounds: []int32{0}}
	var w [4]byte
	for {
		if _, err := io.ReadFull(br, w[:]); err != nil {
			return nil, fmt.Errorf("%s: cut short (no end mark)", path)
		}
		n := binary.LittleEndian.Uint32(w[:])
		if n == 0xffffffff {
			if _, err := io.ReadFull(br, w[:]); err != nil || int(binary.LittleEndian.Uint32(w[:])) != g.count() {
				return nil, fmt.Errorf("%s: bucket count does not match", path)
			}
			return g, nil
		}
		for range n {
			if _, err := io.ReadFull(br, w[:]); err != nil {
				return nil, fmt.Errorf("%s: cut short", path)
			}
			id := binary.LittleEndian.Uint32(w[:])
			if int(id) >= len(ix.Rows) {
				return nil, fmt.Errorf("%s: row %d out of range", path, id)
			}
			g.ids = append(g.ids, int32(id))
		}
		g.bounds = append(g.bounds, int32(len(g.ids)))
	}
}

func clustersCommand() *cli.Command {
	return &cli.Command{
		Name:      "clusters",
		Usage:     "stage 3: verify the candidates of every band and write the cluster report",
		ArgsUsage: "SIG... BUCKETS...",
		Description: `Takes the signature files of all shards and the bucket files of all bands (in
any order; each file is recognized by its content) and writes the same cluster
report --clusters writes in a single run.`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: app.FlagOutput, Aliases: []string{"o"}, Usage: "write the report to `FILE` (default stdout)"},
		}, app.CommonFlags()...),
		Action: runClusters,
	}
}

func isBucketFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	b := make([]byte, len(bucketMagic))
	n, _ := io.ReadFull(f, b)
	return string(b[:n]) == bucketMagic
}

func runClusters(c *cli.Context) error {
	var sigs, bkts []string
	for _, a := range c.Args().Slice() {
		if isBucketFile(a) {
			bkts = append(bkts, a)
		} else {
			sigs = append(sigs, a)
		}
	}
	ix, err := loadIndex(sigs, -2)
	if err != nil {
		return app.Failf("%v", err)
	}
	defer ix.Close()
	byBand := map[int]string{}
	for _, b := range bkts {
		g, err := readBuckets(b, ix)
		if err != nil {
			return app.Failf("%v", err)
		}
		if prev, ok := byBand[g.band]; ok {
			return app.Usagef("band %d given twice: %s and %s", g.band, prev, b)
		}
		byBand[g.band] = b
	}
	var missing []string
	for b := 0; b < ix.Params.Bands; b++ {
		if _, ok := byBand[b]; !ok {
			missing = append(missing, strconv.Itoa(b))
		}
	}
	if len(missing) > 0 {
		return app.Usagef("bucket files of bands %s are missing", strings.Join(missing, ","))
	}
	bands := make([]int, 0, len(byBand))
	for b := range byBand {
		bands = append(bands, b)
	}
	sort.Ints(bands)
	cl := newClusterer(ix)
	cl.mergeExact()
	for _, b := range bands {
		g, err := readBuckets(byBand[b], ix) // one band in memory at a time
		if err != nil {
			return app.Failf("%v", err)
		}
		if err := cl.mergeBand(g); err != nil {
			return err
		}
	}
	out, err := app.CreateOutput(c.String(app.FlagOutput), app.EnvOf(c).Stdout)
	if err != nil {
		return err
	}
	defer out.Abort()
	keep, _ := parseKeep(ix.Params.Keep)
	v, err := cl.resolve(keep, out)
	if err != nil {
		return err
	}
	if err := out.Commit(); err != nil {
		return err
	}
	app.NewLog(c).Summary(fmt.Sprintf("%d rows, %d clusters, %d rows to remove (%d exact and %d near merges, %d Jaccard checks)",
		len(ix.Rows), v.clusters, v.count, cl.exact, cl.merges, cl.v.calls),
		app.KV{Key: "rows", Value: len(ix.Rows)}, app.KV{Key: "clusters", Value: v.clusters}, app.KV{Key: "removed", Value: v.count})
	return nil
}

func filterCommand() *cli.Command {
	flags := append(app.OutputFlags(),
		&cli.StringFlag{Name: flagClusters, Required: true, Usage: "the cluster report `FILE` of the clusters stage"},
		&cli.StringFlag{Name: flagRemoved, Usage: "write the removed rows to `FILE`, each with a _dedup field saying why"},
	)
	return &cli.Command{
		Name:      "filter",
		Usage:     "stage 4: write the rows the cluster report keeps",
		ArgsUsage: "FILE...",
		Description: `Reads the inputs (the same files in the same order as the signatures stage)
and writes every row the report does not remove. A row's FILE:LINE must match
the report, so a changed input is an error, not a silent mismatch.`,
		Flags:  append(flags, app.CommonFlags()...),
		Action: runFilter,
	}
}

func runFilter(c *cli.Context) error {
	ins, err := stageInputs(c)
	if err != nil {
		return err
	}
	rep, err := readReport(c.String(flagClusters))
	if err != nil {
		return app.Failf("%v", err)
	}
	format, err := record.FormatFor(c.String(app.FlagOutput), c.String(app.FlagOutputFormat))
	if err != nil {
		return app.Usagef("%v", err)
	}
	out, err := app.CreateOutput(c.String(app.FlagOutput), app.EnvOf(c).Stdout)
	if err != nil {
		return err
	}
	defer out.Abort()
	var rmOut *app.Output
	var rmW record.Writer
	if p := c.String(flagRemoved); p != "" {
		if rmOut, err = app.CreateOutput(p, nil); err != nil {
			return err
		}
		defer rmOut.Abort()
		rmW, _ = record.NewWriter(rmOut, record.JSONL)
	}
	w, err := record.NewWriter(out, format)
	if err != nil {
		return err
	}
	seen := 0
	decide := func(id int64, src record.Source) (fate, error) {
		e, ok := rep[id]
		if !ok {
			return fate{}, nil
		}
		if e.source != src.String() {
			return fate{}, app.Dataf("row %d is %s here but %s in the report: not the inputs the report was made from", id, src, e.source)
		}
		seen++
		return fate{removed: true, reason: "duplicate", of: e.keptSource, jaccard: e.jaccard, exact: e.exact}, nil
	}
	nKept, nRemoved, err := filterRows(c.Context, ins, decide, w, rmW)
	if err != nil {
		return err
	}
	if seen != len(rep) {
		return app.Dataf("the report removes %d rows but the inputs have only %d of them", len(rep), seen)
	}
	if err := w.Close(); err != nil {
		return err
	}
	if rmW != nil {
		rmW.Close()
		if err := rmOut.Commit(); err != nil {
			return err
		}
	}
	if err := out.Commit(); err != nil {
		return err
	}
	app.NewLog(c).Summary(fmt.Sprintf("%d rows in, %d kept, %d removed", nKept+nRemoved, nKept, nRemoved),
		app.KV{Key: "rows", Value: nKept + nRemoved}, app.KV{Key: "kept", Value: nKept}, app.KV{Key: "removed", Value: nRemoved})
	return nil
}

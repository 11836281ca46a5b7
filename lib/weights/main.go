package weights

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/hub"
	"github.com/flock-off/ff/lib/record"
	"github.com/urfave/cli/v2"
)

// Main runs ff-weights with args (without the program name) and returns its exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	hub.RegisterInputs(hub.Options{Stderr: stderr})
	flags := []cli.Flag{
		&cli.StringFlag{Name: "competition", Required: true, Usage: "competition `FILE` (JSON: id, bench, minb, maxb, bheight, pow, rows, policy knobs)"},
		&cli.StringFlag{Name: "metagraph", Usage: "metagraph `FILE` (ff-submit metagraph JSONL): the current uid → hotkey map; default: the uids of the input"},
		&cli.StringFlag{Name: "overlap", Usage: "dataset overlap `FILE` (ff-dedup overlap JSONL): pairs sharing more than duplicate_rows rows are duplicates"},
		&cli.StringFlag{Name: "policy", Usage: "`normalized` (2025 score curve) or winner (2026 winner takes all); default: the competition file's, else normalized"},
		&cli.IntFlag{Name: "burn-uid", Value: -1, Usage: "uid that gets the weight when nobody is eligible (winner policy)", DefaultText: "the subnet owner in the metagraph"},
		&cli.StringFlag{Name: "plot", Usage: "draw losses and weights as a bar chart into `FILE` (.png or .svg)"},
	}
	flags = append(flags, app.JSONOutputFlags()...)
	flags = append(flags, app.CommonFlags()...)
	a := &cli.App{
		Name:      "ff-weights",
		Usage:     "turn per-miner evaluation losses into chain weights with FLock's rules",
		UsageText: "ff-weights --competition FILE [--metagraph FILE] [--policy normalized|winner] [SCORES.jsonl ...]",
		Description: `Reads one score record per miner (uid, hotkey, coldkey, block, competition_id,
eval_loss or null with a reason) and writes one JSON line per uid of the
metagraph: uid, hotkey, weight (summing to 1), weight_u16 (as emitted on
chain), score, rank, reason and a detail that explains the decision. A table
goes to stderr. The output feeds 'ff-submit weights'.`,
		Flags:  flags,
		Action: run,
	}
	return app.Run(a, args, stdin, stdout, stderr)
}

func run(c *cli.Context) error {
	env := app.EnvOf(c)
	log := app.NewLog(c)
	if err := app.JSONLOnly(c); err != nil {
		return err
	}
	if p := c.String("plot"); p != "" && !plotFormatKnown(p) {
		return app.Usagef("--plot %s: unknown format %q (want .png or .svg)", p, filepath.Ext(p))
	}
	comp, err := readCompetition(c.String("competition"))
	if err != nil {
		return err
	}
	in := Input{Competition: *comp, Policy: comp.Policy}
	if p := c.String("policy"); p != "" {
		in.Policy = Policy(p)
	}
	if in.Policy != "" && in.Policy != Normalized && in.Policy != Winner {
		return app.Usagef("unknown --policy %q (want normalized or winner)", in.Policy)
	}
	if b := c.Int("burn-uid"); b >= 0 {
		in.BurnUID = &b
	} else if comp.BurnUID != nil {
		in.BurnUID = comp.BurnUID
	}
	if p := c.String("metagraph"); p != "" {
		if in.Metagraph, err = readMetagraph(c, p); err != nil {
			return err
		}
	}
	if p := c.String("overlap"); p != "" {
		if in.Overlaps, err = readOverlaps(c, p); err != nil {
			return err
		}
	}
	paths := c.Args().Slice()
	if len(paths) == 0 {
		paths = []string{"-"}
	}
	bad := 0
	for _, p := range paths {
		err := eachRecord(c, p, func(rec *record.Record) error {
			m, err := ParseMiner(rec.Raw)
			if err != nil {
				bad++
				log.Errorf("%s: %v", rec.Source, err)
				return nil
			}
			m.Source = rec.Source.String()
			in.Miners = append(in.Miners, m)
			return nil
		}, func(re *record.RowError) { bad++; log.Errorf("%v", re) })
		if err != nil {
			return err
		}
	}
	if bad > 0 {
		return app.Exit(app.DataProblem, fmt.Errorf("%d malformed score records: nothing written", bad))
	}
	ds, err := Compute(in)
	if errors.Is(err, ErrInvalidCurve) {
		return app.Usagef("%s: %v", c.String("competition"), err)
	} else if err != nil {
		return app.Dataf("%v", err)
	}
	// The plot first: a run that fails must not leave a committed -o behind.
	if p := c.String("plot"); p != "" {
		if err := Plot(p, ds, comp); err != nil {
			return app.Failf("plot: %v", err)
		}
	}
	if err := writeDecisions(c, ds); err != nil {
		return err
	}
	if !log.Quiet() && c.String(app.FlagLogFormat) != "json" {
		WriteTable(env.Stderr, ds)
	}
	nonzero := 0
	for _, d := range ds {
		if d.WeightU16 > 0 {
			nonzero++
		}
	}
	pol := in.Policy
	if pol == "" {
		pol = Normalized
	}
	log.Summary(fmt.Sprintf("%d uids, %d score records, %d with weight (policy %s)", len(ds), len(in.Miners), nonzero, pol),
		app.KV{Key: "uids", Value: len(ds)}, app.KV{Key: "records", Value: len(in.Miners)},
		app.KV{Key: "weighted", Value: nonzero}, app.KV{Key: "policy", Value: pol})
	return nil
}

func writeDecisions(c *cli.Context, ds []Decision) error {
	out, err := app.CreateOutput(c.String(app.FlagOutput), app.EnvOf(c).Stdout)
	if err != nil {
		return err
	}
	defer out.Abort()
	enc := json.NewEncoder(out)
	for i := range ds {
		if err := enc.Encode(&ds[i]); err != nil {
			return app.Failf("write: %v", err)
		}
	}
	return out.Commit()
}

func readCompetition(path string) (*Competition, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, app.Failf("--competition: %v", err) // a missing file is I/O (3), not usage
	}
	var comp Competition
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&comp); err != nil {
		return nil, app.Usagef("%s: %v", path, err)
	}
	return &comp, nil
}

// eachRecord streams the rows of path; malformed rows go to bad.
func eachRecord(c *cli.Context, path string, fn func(*record.Record) error, bad func(*record.RowError)) error {
	r, err := record.Open(c.Context, path, app.EnvOf(c).Stdin)
	if err != nil {
		return app.Failf("%v", err)
	}
	defer r.Close()
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return nil
		}
		var re *record.RowError
		if errors.As(err, &re) {
			bad(re)
			continue
		}
		if err != nil {
			return app.Failf("%v", err)
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}

func readMetagraph(c *cli.Context, path string) ([]Neuron, error) {
	ns := []Neuron{}
	var problems []string
	err := eachRecord(c, path, func(rec *record.Record) error {
		var n Neuron
		if err := json.Unmarshal(rec.Raw, &n); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", rec.Source, err))
			return nil
		}
		if !rec.Has("uid") || n.Hotkey == "" {
			problems = append(problems, fmt.Sprintf("%s: a metagraph line needs uid and hotkey", rec.Source))
			return nil
		}
		if v, ok := rec.Get("subnet_owner"); ok && string(v) == "true" {
			n.Owner = true
		}
		ns = append(ns, n)
		return nil
	}, func(re *record.RowError) { problems = append(problems, re.Error()) })
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, app.Dataf("metagraph: %s", problems[0])
	}
	return ns, nil
}

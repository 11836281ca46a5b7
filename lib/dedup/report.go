package dedup

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"

	"github.com/flock-off/ff/lib/record"
)

// removal says why a row goes: the row it duplicates and their Jaccard.
type removal struct {
	Kept    int32
	Jaccard float64
	Exact   bool
}

// verdicts holds, per row id, whether it is removed and why.
type verdicts struct {
	removed []bool
	why     []removal
	count   int64
	// clusters with more than one row, and the rows in them
	clusters, clustered int64
	// largest cluster, and the lowest Jaccard of a removed row to its kept
	// row (below the threshold only through chains of merges)
	largest    int
	minJaccard float64
}

func newVerdicts(n int) *verdicts {
	return &verdicts{removed: make([]bool, n), why: make([]removal, n), minJaccard: 1}
}

func (v *verdicts) remove(id int, r removal) {
	if !v.removed[id] {
		v.removed[id] = true
		v.count++
	}
	v.why[id] = r
}

// resolve turns the clusters into verdicts: the keep rule picks one row per
// cluster, the others are removed. It writes the cluster report to w (nil:
// none): one JSON line per cluster of two or more rows, in order of the
// cluster's first row.
func (c *clusterer) resolve(keep keepRule, w io.Writer) (*verdicts, error) {
	ix := c.ix
	n := len(ix.Rows)
	members := map[int32][]int32{}
	var order []int32 // roots by first member
	for i := 0; i < n; i++ {
		if ix.Rows[i].Flags&flagAbsent != 0 || c.sets.Size(int32(i)) < 2 {
			continue
		}
		root := c.sets.Find(int32(i))
		if _, ok := members[root]; !ok {
			order = append(order, root)
		}
		members[root] = append(members[root], int32(i))
	}
	v := newVerdicts(n)
	var line []byte
	for cid, root := range order {
		m := members[root]
		kept := m[0]
		for _, id := range m[1:] {
			if keep.better(&ix.Rows[id], &ix.Rows[kept], int(id), int(kept)) {
				kept = id
			}
		}
		v.clusters++
		v.clustered += int64(len(m))
		v.largest = max(v.largest, len(m))
		line = line[:0]
		line = fmt.Appendf(line, `{"cluster":%d,"size":%d,"kept":{"row":%d,"source":`, cid, len(m), kept)
		line = record.AppendString(line, ix.Source(int(kept)))
		line = append(line, `},"removed":[`...)
		first := true
		for _, id := range m {
			if id == kept {
				continue
			}
			j, err := c.v.jaccard(kept, id)
			if err != nil {
				return nil, err
			}
			exact := ix.Rows[id].Exact == ix.Rows[kept].Exact
			v.minJaccard = min(v.minJaccard, j)
			v.remove(int(id), removal{Kept: kept, Jaccard: j, Exact: exact})
			if !first {
				line = append(line, ',')
			}
			first = false
			line = fmt.Appendf(line, `{"row":%d,"source":`, id)
			line = record.AppendString(line, ix.Source(int(id)))
			line = fmt.Appendf(line, `,"jaccard":%s,"exact":%t}`, fmtJaccard(j), exact)
		}
		line = append(line, "]}\n"...)
		if w != nil {
			if _, err := w.Write(line); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}

// fmtJaccard prints a Jaccard with 4 decimals, the same on every machine.
func fmtJaccard(j float64) string {
	return strconv.FormatFloat(math.Round(j*1e4)/1e4, 'f', -1, 64)
}

// clusterLine is one line of a cluster report, as the filter stage reads it.
type clusterLine struct {
	Cluster int `json:"cluster"`
	Kept    struct {
		Row    int64  `json:"row"`
		Source string `json:"source"`
	} `json:"kept"`
	Removed []struct {
		Row     int64   `json:"row"`
		Source  string  `json:"source"`
		Jaccard float64 `json:"jaccard"`
		Exact   bool    `json:"exact"`
	} `json:"removed"`
}

// readReport loads the removed rows of a cluster report, keyed by row id,
// with the source each must have when the inputs are read again.
type reportEntry struct {
	source, keptSource string
	jaccard            float64
	exact              bool
}

func readReport(path string) (map[int64]reportEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[int64]reportEntry{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	ln := 0
	for sc.Scan() {
		ln++
		if len(sc.Bytes()) == 0 {
			continue
		}
		var cl clusterLine
		if err := json.Unmarshal(sc.Bytes(), &cl); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, ln, err)
		}
		for _, r := range cl.Removed {
			out[r.Row] = reportEntry{source: r.Source, keptSource: cl.Kept.Source, jaccard: r.Jaccard, exact: r.Exact}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

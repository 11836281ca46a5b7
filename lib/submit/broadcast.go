package submit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"strings"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/chain"
	"github.com/flock-off/ff/lib/metadata"
	"github.com/urfave/cli/v2"
)

// readSigned reads extrinsics from path ("-" is stdin): JSON lines with an
// "extrinsic" field (what --dry-run/--offline print) or bare 0x-hex lines.
func readSigned(path string, stdin io.Reader) ([][]byte, error) {
	var r io.Reader = stdin
	name := "stdin"
	if path != "" && path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, app.Failf("%v", err)
		}
		defer f.Close()
		r, name = f, path
	}
	var out [][]byte
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for line := 1; sc.Scan(); line++ {
		t := bytes.TrimSpace(sc.Bytes())
		if len(t) == 0 {
			continue
		}
		hexs := string(t)
		if t[0] == '{' {
			var jl struct {
				Extrinsic string `json:"extrinsic"`
			}
			if err := json.Unmarshal(t, &jl); err != nil || jl.Extrinsic == "" {
				return nil, app.Dataf("%s:%d: want a JSON line with \"extrinsic\" or 0x-hex", name, line)
			}
			hexs = jl.Extrinsic
		}
		b, err := chain.Unhex(strings.TrimSpace(hexs))
		if err != nil || len(b) == 0 {
			return nil, app.Dataf("%s:%d: not hex", name, line)
		}
		out = append(out, b)
	}
	if err := sc.Err(); err != nil {
		return nil, app.Failf("%s: %v", name, err)
	}
	if len(out) == 0 {
		return nil, app.Dataf("%s: no extrinsic", name)
	}
	return out, nil
}

func runBroadcast(c *cli.Context) error {
	if c.NArg() != 1 {
		return app.Usagef("broadcast takes one FILE (or - for stdin)")
	}
	wait := chain.Wait(c.String("wait"))
	if wait != chain.WaitInclusion && wait != chain.WaitFinalization {
		return app.Usagef("--wait %q: want inclusion or finalization", wait)
	}
	exts, err := readSigned(c.Args().First(), app.EnvOf(c).Stdin)
	if err != nil {
		return err
	}
	cl, err := connect(c)
	if err != nil {
		return err
	}
	defer cl.Close()
	out, err := app.CreateOutput(c.String(app.FlagOutput), app.EnvOf(c).Stdout)
	if err != nil {
		return err
	}
	defer out.Abort()
	log := app.NewLog(c)
	for i, b := range exts {
		x, err := chain.DecodeExtrinsic(cl.Meta, b)
		if err != nil {
			return app.Dataf("extrinsic %d does not decode with this chain's metadata: %v", i+1, err)
		}
		s := &chain.Signed{Bytes: b, Hash: chain.Blake2_256(b), Signer: x.Signer}
		res, err := cl.Submit(c.Context, s, wait)
		if err != nil {
			if c.Context.Err() != nil {
				return c.Context.Err()
			}
			return app.Failf("extrinsic %d (%s): %v", i+1, x.Call.FullName(), err)
		}
		o := metadata.Object{{Key: "call", Value: x.Call.FullName()}, {Key: "hash", Value: chain.Hex(s.Hash[:])}}
		o = append(o, resultFields(res)...)
		b, _ := json.Marshal(o)
		out.Write(append(b, '\n'))
		if res.Failure != nil {
			out.Commit()
			return app.Failf("extrinsic %d (%s): %s", i+1, x.Call.FullName(), explain(res.Failure))
		}
		log.Infof("%s included in block %s", x.Call.FullName(), chain.Hex(res.BlockHash[:]))
	}
	return out.Commit()
}

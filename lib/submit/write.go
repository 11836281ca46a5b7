package submit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/chain"
	"github.com/flock-off/ff/lib/keys"
	"github.com/flock-off/ff/lib/metadata"
	"github.com/urfave/cli/v2"
)

// writer signs and sends (or prints) extrinsics for one command run.
type writer struct {
	c       *cli.Context
	log     *app.Log
	kp      *keys.Keypair
	meta    *metadata.Metadata
	client  *chain.Client // nil when offline
	offline bool
	dryRun  bool
	out     *app.Output
	offP    chain.SignParams
	nonce   int64 // next nonce to use when several extrinsics are built in one run (-1: ask the node)
}

func newWriter(c *cli.Context) (*writer, error) {
	w := &writer{c: c, log: app.NewLog(c), offline: c.Bool("offline"), dryRun: c.Bool("dry-run"), nonce: c.Int64("nonce")}
	switch c.String("wait") {
	case string(chain.WaitInclusion), string(chain.WaitFinalization):
	default:
		return nil, app.Usagef("--wait %q: want inclusion or finalization", c.String("wait"))
	}
	kp, err := signer(c, w.log)
	if err != nil {
		return nil, err
	}
	w.kp = kp
	if w.offline {
		if err := w.loadOffline(); err != nil {
			return nil, err
		}
	} else {
		if w.client, err = connect(c); err != nil {
			return nil, err
		}
		w.meta = w.client.Meta
	}
	w.out, err = app.CreateOutput(c.String(app.FlagOutput), app.EnvOf(c).Stdout)
	if err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

func (w *writer) close() {
	if w.out != nil {
		w.out.Abort()
	}
	if w.client != nil {
		w.client.Close()
	}
}

// finish commits the output (stdout is flushed; -o FILE renamed into place).
func (w *writer) finish() error {
	err := w.out.Commit()
	if w.client != nil {
		w.client.Close()
	}
	return err
}

func (w *writer) loadOffline() error {
	c := w.c
	var missing []string
	for _, f := range []string{"metadata", "genesis", "spec-version", "tx-version"} {
		if !c.IsSet(f) {
			missing = append(missing, "--"+f)
		}
	}
	if w.nonce < 0 {
		missing = append(missing, "--nonce")
	}
	if len(missing) > 0 {
		return app.Usagef("--offline needs %v", missing)
	}
	m, err := readMetadataFile(c.String("metadata"))
	var pe *os.PathError
	if errors.As(err, &pe) {
		return app.Failf("--metadata: %v", err) // missing or unreadable: I/O (3)
	} else if err != nil {
		return app.Usagef("--metadata: %v", err)
	}
	w.meta = m
	g, err := chain.ParseHash(c.String("genesis"))
	if err != nil {
		return app.Usagef("--genesis: %v", err)
	}
	w.offP = chain.SignParams{
		Genesis: g, BlockHash: g, Era: chain.Era{Immortal: true},
		SpecVersion: uint32(c.Uint("spec-version")), TxVersion: uint32(c.Uint("tx-version")), Tip: c.Uint64("tip"),
	}
	return nil
}

// readMetadataFile takes raw SCALE bytes or the 0x-hex text state_getMetadata returns.
func readMetadataFile(path string) (*metadata.Metadata, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if t := bytes.TrimSpace(b); bytes.HasPrefix(t, []byte("0x")) {
		if s := string(t); len(s) > 1 && s[0] == '"' {
			json.Unmarshal(t, &s)
		}
		if b, err = chain.Unhex(string(t)); err != nil {
			return nil, fmt.Errorf("%s: not valid hex: %v", path, err)
		}
	}
	m, err := metadata.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return m, nil
}

// sign encodes call and signs it with the hotkey.
func (w *writer) sign(call *chain.Call) (*chain.Signed, error) {
	cb, err := call.Encode(w.meta)
	if err != nil {
		return nil, app.Failf("%v", err)
	}
	var p chain.SignParams
	if w.offline {
		p = w.offP
		p.Nonce = uint64(w.nonce)
	} else {
		p, err = w.client.SignParams(w.c.Context, w.kp.Address(), w.c.Uint64("era"), w.c.Uint64("tip"))
		if err != nil {
			return nil, app.Failf("%v", err)
		}
		if w.nonce >= 0 {
			p.Nonce = uint64(w.nonce)
		}
	}
	s, err := chain.BuildSigned(w.meta, cb, w.kp, p)
	if err != nil {
		return nil, app.Failf("%v", err)
	}
	if w.nonce >= 0 {
		w.nonce++ // a second extrinsic of this run follows the first
	}
	return s, nil
}

// describe is the JSON line for a signed extrinsic: call, args (decoded back
// from the bytes, so they show what was really signed), signer, extrinsic, hash.
func (w *writer) describe(s *chain.Signed, extra metadata.Object) (metadata.Object, error) {
	x, err := chain.DecodeExtrinsic(w.meta, s.Bytes)
	if err != nil {
		return nil, app.Failf("re-reading the extrinsic: %v", err)
	}
	o := metadata.Object{
		{Key: "call", Value: x.Call.FullName()},
		{Key: "args", Value: x.Call.Args},
		{Key: "signer", Value: w.kp.Address()},
		{Key: "nonce", Value: x.Nonce},
		{Key: "extrinsic", Value: chain.Hex(s.Bytes)},
		{Key: "hash", Value: chain.Hex(s.Hash[:])},
	}
	return append(o, extra...), nil
}

func (w *writer) emit(o metadata.Object) error {
	b, err := json.Marshal(o)
	if err != nil {
		return err
	}
	w.out.Write(append(b, '\n'))
	return nil
}

// sends reports whether this run sends extrinsics.
func (w *writer) sends() bool { return !w.dryRun && !w.offline }

// submit sends s and waits; a failed dispatch becomes an error naming
// Pallet.Error with its docs.
func (w *writer) submit(s *chain.Signed) (*chain.Result, error) {
	res, err := w.client.Submit(w.c.Context, s, chain.Wait(w.c.String("wait")))
	if err != nil {
		if w.c.Context.Err() != nil {
			return nil, w.c.Context.Err()
		}
		return nil, app.Failf("%w", err)
	}
	if res.Failure != nil {
		return res, app.Failf("%s (block %s)", explain(res.Failure), chain.Hex(res.BlockHash[:]))
	}
	return res, nil
}

// explain adds what to do about the errors users meet most.
func explain(e *chain.DispatchErr) string {
	msg := e.Error()
	if e.Module == nil {
		return msg
	}
	hints := map[string]string{
		"SettingWeightsTooFast":       "the subnet's weights rate limit has not passed since this hotkey's last update",
		"CommitRevealEnabled":         "this subnet uses commit-reveal: run ff-submit weights --mode commit (or auto) and later ff-submit reveal",
		"RevealTooEarly":              "the reveal epoch has not begun; run ff-submit reveal again later",
		"ExpiredWeightCommit":         "the commit expired unrevealed; commit the weights again",
		"TooManyUnrevealedCommits":    "reveal pending commits before committing more",
		"HotKeyNotRegisteredInSubNet": "register this hotkey on the subnet first",
		"SpaceLimitExceeded":          "the commitment space of this epoch is used up; try in the next epoch",
		"IncorrectWeightVersionKey":   "pass --version-key equal to or above the subnet's WeightsVersionKey",
	}
	if h, ok := hints[e.Module.Name]; ok {
		msg += " — " + h
	}
	return msg
}

func resultFields(res *chain.Result) metadata.Object {
	var names []string
	for _, ev := range res.Events {
		names = append(names, chain.EventName(ev))
	}
	return metadata.Object{
		{Key: "block", Value: chain.Hex(res.BlockHash[:])},
		{Key: "finalized", Value: res.Finalized},
		{Key: "events", Value: names},
	}
}

package submit

import (
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/chain"
	"github.com/flock-off/ff/lib/metadata"
	"github.com/flock-off/ff/lib/record"
	"github.com/urfave/cli/v2"
)

// saltLen is the number of u16 in a commit salt (as the SDK draws).
const saltLen = 8

// readWeights reads ff-weights output: uid with weight_u16, or uid with a
// float weight converted as the SDK does. Rows are sorted by uid.
func readWeights(c *cli.Context) ([]uint16, []uint16, error) {
	path := c.Args().First()
	r, err := record.Open(c.Context, path, app.EnvOf(c).Stdin)
	if err != nil {
		return nil, nil, app.Failf("%v", err)
	}
	defer r.Close()
	type row struct {
		uid   uint16
		u16   *uint16
		float *float64
		src   record.Source
	}
	var rows []row
	seen := map[uint16]record.Source{}
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, app.Dataf("%v", err)
		}
		var uid *int
		var rw row
		rw.src = rec.Source
		if _, err := rec.Decode("uid", &uid); err != nil || uid == nil || *uid < 0 || *uid > 65535 {
			return nil, nil, app.Dataf("%s: want a uid 0..65535", rec.Source)
		}
		rw.uid = uint16(*uid)
		if prev, dup := seen[rw.uid]; dup {
			return nil, nil, app.Dataf("%s: uid %d repeats %s", rec.Source, rw.uid, prev)
		}
		seen[rw.uid] = rec.Source
		if _, err := rec.Decode("weight_u16", &rw.u16); err != nil {
			return nil, nil, app.Dataf("%s: weight_u16: want an integer 0..65535", rec.Source)
		}
		if _, err := rec.Decode("weight", &rw.float); err != nil {
			return nil, nil, app.Dataf("%s: weight: want a number", rec.Source)
		}
		if rw.u16 == nil && rw.float == nil {
			return nil, nil, app.Dataf("%s: a line needs weight_u16 or weight", rec.Source)
		}
		rows = append(rows, rw)
	}
	if len(rows) == 0 {
		// Not "all weights zero": in `ff-weights ... | ff-submit weights`
		// an empty input means the producer failed, and exit 0 would hide it.
		name := path
		if name == "" || name == "-" {
			name = "stdin"
		}
		return nil, nil, app.Dataf("%s: no weight lines (an empty input; did the command feeding it fail?)", name)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].uid < rows[j].uid })
	allU16 := true
	for _, rw := range rows {
		allU16 = allU16 && rw.u16 != nil
	}
	if allU16 {
		var uids, vals []uint16
		for _, rw := range rows {
			if *rw.u16 != 0 {
				uids, vals = append(uids, rw.uid), append(vals, *rw.u16)
			}
		}
		return uids, vals, nil
	}
	uids := make([]uint16, len(rows))
	ws := make([]float64, len(rows))
	for i, rw := range rows {
		if rw.float == nil {
			return nil, nil, app.Dataf("%s: weight missing (lines without weight_u16 need weight)", rw.src)
		}
		uids[i], ws[i] = rw.uid, *rw.float
	}
	u, v, err := chain.NormalizeWeights(uids, ws)
	if err != nil {
		return nil, nil, app.Dataf("%v", err)
	}
	return u, v, nil
}

func newSalt(seed int64) []uint16 {
	salt := make([]uint16, saltLen)
	if seed != 0 {
		r := rand.New(rand.NewPCG(uint64(seed), 0x5a17))
		for i := range salt {
			salt[i] = uint16(r.Uint32())
		}
		return salt
	}
	var b [2 * saltLen]byte
	crand.Read(b[:])
	for i := range salt {
		salt[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return salt
}

func runWeights(c *cli.Context) error {
	nu, err := netuid(c)
	if err != nil {
		return err
	}
	mode := c.String("mode")
	if mode != "auto" && mode != "set" && mode != "commit" {
		return app.Usagef("--mode %q: want auto, set or commit", mode)
	}
	uids, vals, err := readWeights(c)
	if err != nil {
		return err
	}
	log := app.NewLog(c)
	if len(uids) == 0 {
		log.Warnf("all weights are zero; nothing to send (as the SDK does)")
		return nil
	}
	w, err := newWriter(c)
	if err != nil {
		return err
	}
	defer w.close()
	pub := w.kp.PublicKey()
	vk := uint64(0)
	if w.client != nil {
		uid, err := w.client.UIDOf(c.Context, nil, nu, pub)
		if err != nil {
			return app.Failf("%v", err)
		}
		if uid < 0 {
			return app.Failf("hotkey %s is not registered on subnet %d", w.kp.Address(), nu)
		}
		pol, err := w.client.ReadWeightsPolicy(c.Context, nu, uid, pub)
		if err != nil {
			return app.Failf("reading the subnet's weight settings: %v", err)
		}
		vk = pol.VersionKey
		if mode == "auto" {
			mode = map[bool]string{true: "commit", false: "set"}[pol.CommitReveal]
		}
		if mode == "set" && pol.CommitReveal {
			return app.Failf("subnet %d has commit-reveal on: set_weights would fail with CommitRevealEnabled; use --mode auto or commit", nu)
		}
		if err := pol.CheckRateLimit(); err != nil {
			return app.Failf("%v", err)
		}
		if mode == "commit" {
			if err := pol.CheckCommitRoom(); err != nil {
				return app.Failf("%v", err)
			}
		}
	} else if mode == "auto" {
		mode = "set"
	}
	if v := c.Int64("version-key"); v >= 0 {
		if w.client != nil && uint64(v) < vk {
			return app.Usagef("--version-key %d is below the subnet's WeightsVersionKey %d; the chain would refuse it", v, vk)
		}
		vk = uint64(v)
	}
	if mode == "set" {
		return sendSetWeights(w, nu, uids, vals, vk)
	}
	return sendCommit(w, nu, uids, vals, vk)
}

func sendSetWeights(w *writer, nu uint16, uids, vals []uint16, vk uint64) error {
	s, err := w.sign(chain.SetWeightsCall(nu, uids, vals, vk))
	if err != nil {
		return err
	}
	var extra metadata.Object
	if w.sends() {
		res, err := w.submit(s)
		if err != nil {
			return err
		}
		extra = resultFields(res)
	}
	o, err := w.describe(s, extra)
	if err != nil {
		return err
	}
	w.emit(o)
	w.log.Summary(fmt.Sprintf("set_weights for %d uids on subnet %d (version key %d)%s", len(uids), nu, vk, sentNote(w)))
	return w.finish()
}

func sentNote(w *writer) string {
	if w.sends() {
		return ""
	}
	return "; not sent (" + notSentWhy(w) + ")"
}

func sendCommit(w *writer, nu uint16, uids, vals []uint16, vk uint64) error {
	c := w.c
	salt := newSalt(c.Int64("seed"))
	hash := chain.CommitHash(w.kp.PublicKey(), nu, uids, vals, salt, vk)
	s, err := w.sign(chain.CommitWeightsCall(nu, hash))
	if err != nil {
		return err
	}
	pc := PendingCommit{Netuid: nu, Hotkey: w.kp.Address(), UIDs: uids, Values: vals, Salt: salt, VersionKey: vk,
		CommitHash: chain.Hex(hash[:]), ExtrinsicHash: chain.Hex(s.Hash[:]), Created: time.Now().UTC().Format(time.RFC3339)}
	statePath := c.String("state")
	var st *State
	if !w.dryRun {
		// Keep the salt before anything is sent: after a crash the commit can
		// still be revealed.
		if st, err = loadState(statePath); err != nil {
			return err
		}
		st.Pending = append(st.Pending, pc)
		if err := st.save(statePath); err != nil {
			return err
		}
	}
	extra := metadata.Object{{Key: "commit_hash", Value: pc.CommitHash}}
	if w.sends() {
		res, err := w.submit(s)
		if err != nil {
			// Drop the pending commit only when it certainly did not land; after
			// a lost connection it may have, and its salt must survive.
			var rej *chain.RejectedError
			if (res != nil && res.Failure != nil) || errors.As(err, &rej) {
				st.remove(pc.CommitHash)
				st.save(statePath)
			} else {
				w.log.Warnf("the commit's fate is unknown; it stays in %s (ff-submit reveal tells once it is on chain)", statePath)
			}
			return err
		}
		st.find(pc.CommitHash).Block = chain.Hex(res.BlockHash[:])
		if err := st.save(statePath); err != nil {
			return err
		}
		extra = append(extra, resultFields(res)...)
	}
	if !w.dryRun {
		extra = append(extra, metadata.KV{Key: "state", Value: statePath})
	}
	o, err := w.describe(s, extra)
	if err != nil {
		return err
	}
	w.emit(o)
	w.log.Summary(fmt.Sprintf("commit_weights for %d uids on subnet %d (version key %d)%s; reveal later with ff-submit reveal --netuid %d --state %s",
		len(uids), nu, vk, sentNote(w), nu, statePath))
	return w.finish()
}

func runReveal(c *cli.Context) error {
	nu, err := netuid(c)
	if err != nil {
		return err
	}
	statePath := c.String("state")
	st, err := loadState(statePath)
	if err != nil {
		return err
	}
	w, err := newWriter(c)
	if err != nil {
		return err
	}
	defer w.close()
	var todo []PendingCommit
	for _, p := range st.Pending {
		if p.Netuid == nu && p.Hotkey == w.kp.Address() {
			todo = append(todo, p)
		}
	}
	if len(todo) == 0 {
		w.log.Infof("no pending commits of %s on subnet %d in %s", w.kp.Address(), nu, statePath)
		return w.finish()
	}
	revealed := 0
	for _, p := range todo {
		want := chain.CommitHash(w.kp.PublicKey(), p.Netuid, p.UIDs, p.Values, p.Salt, p.VersionKey)
		if chain.Hex(want[:]) != p.CommitHash {
			return app.Dataf("state %s: %s does not hash to its recorded commit hash (file edited?)", statePath, p.String())
		}
		s, err := w.sign(chain.RevealWeightsCall(p.Netuid, p.UIDs, p.Values, p.Salt, p.VersionKey))
		if err != nil {
			return err
		}
		extra := metadata.Object{{Key: "commit_hash", Value: p.CommitHash}}
		if w.sends() {
			res, err := w.submit(s)
			if err != nil {
				if res != nil && res.Failure != nil && res.Failure.Module != nil && res.Failure.Module.Name == "ExpiredWeightCommit" {
					st.remove(p.CommitHash)
					st.save(statePath)
				}
				w.out.Commit()
				return err
			}
			st.remove(p.CommitHash)
			if err := st.save(statePath); err != nil {
				return err
			}
			extra = append(extra, resultFields(res)...)
			revealed++
		}
		o, err := w.describe(s, extra)
		if err != nil {
			return err
		}
		w.emit(o)
	}
	w.log.Summary(fmt.Sprintf("reveal_weights: %d of %d pending commit(s) on subnet %d%s", max(revealed, len(todo)*boolInt(!w.sends())), len(todo), nu, sentNote(w)))
	return w.finish()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

package chain

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/flock-off/ff/lib/metadata"
	"github.com/flock-off/ff/lib/scale"
)

// MaxPendingCommits is how many weight commits the chain keeps per hotkey.
const MaxPendingCommits = 10

// NormalizeWeights turns float weights into the u16 values the SDK emits:
// round_half_even(w / max(w) * 65535), zeros dropped. Negative weights are
// refused; all zeros give nothing to send.
func NormalizeWeights(uids []uint16, weights []float64) ([]uint16, []uint16, error) {
	if len(uids) != len(weights) {
		return nil, nil, fmt.Errorf("%d uids but %d weights", len(uids), len(weights))
	}
	maxW := 0.0
	for i, w := range weights {
		if w < 0 || math.IsNaN(w) || math.IsInf(w, 0) {
			return nil, nil, fmt.Errorf("uid %d: weight %v is not a finite non-negative number", uids[i], w)
		}
		maxW = max(maxW, w)
	}
	if maxW == 0 {
		return nil, nil, nil
	}
	var outU, outW []uint16
	for i, w := range weights {
		v := math.RoundToEven(w / maxW * math.MaxUint16)
		if v == 0 {
			continue
		}
		outU = append(outU, uids[i])
		outW = append(outW, uint16(v))
	}
	return outU, outW, nil
}

// CommitHash is blake2b-256 of SCALE(account, netuid u16, uids Vec<u16>,
// values Vec<u16>, salt Vec<u16>, version_key u64), as the runtime checks a
// reveal against its commit.
func CommitHash(account [32]byte, netuid uint16, uids, values, salt []uint16, versionKey uint64) [32]byte {
	var e scale.Encoder
	e.Raw(account[:])
	e.U16(netuid)
	for _, v := range [][]uint16{uids, values, salt} {
		e.Compact(uint64(len(v)))
		for _, x := range v {
			e.U16(x)
		}
	}
	e.U64(versionKey)
	return Blake2_256(e.B)
}

// SetWeightsCall is SubtensorModule.set_weights.
func SetWeightsCall(netuid uint16, uids, values []uint16, versionKey uint64) *Call {
	return &Call{Pallet: "SubtensorModule", Name: "set_weights", Args: metadata.Object{
		{Key: "netuid", Value: netuid}, {Key: "dests", Value: uids}, {Key: "weights", Value: values}, {Key: "version_key", Value: versionKey},
	}}
}

// CommitWeightsCall is SubtensorModule.commit_weights.
func CommitWeightsCall(netuid uint16, hash [32]byte) *Call {
	return &Call{Pallet: "SubtensorModule", Name: "commit_weights", Args: metadata.Object{
		{Key: "netuid", Value: netuid}, {Key: "commit_hash", Value: hash[:]},
	}}
}

// RevealWeightsCall is SubtensorModule.reveal_weights.
func RevealWeightsCall(netuid uint16, uids, values, salt []uint16, versionKey uint64) *Call {
	return &Call{Pallet: "SubtensorModule", Name: "reveal_weights", Args: metadata.Object{
		{Key: "netuid", Value: netuid}, {Key: "uids", Value: uids}, {Key: "values", Value: values},
		{Key: "salt", Value: salt}, {Key: "version_key", Value: versionKey},
	}}
}

// WeightsPolicy is what the chain says about setting weights on a subnet.
type WeightsPolicy struct {
	CommitReveal   bool
	VersionKey     uint64
	RateLimit      uint64 // blocks between weight updates of one hotkey
	LastUpdate     uint64 // block of this uid's last update (0 if never)
	Block          uint64 // the block the facts were read at
	PendingCommits int
}

// ReadWeightsPolicy reads CommitRevealWeightsEnabled, WeightsVersionKey,
// WeightsSetRateLimit, LastUpdate and pending WeightCommits for uid/hotkey.
func (c *Client) ReadWeightsPolicy(ctx context.Context, netuid uint16, uid int, hotkey [32]byte) (*WeightsPolicy, error) {
	head, num, err := c.FinalizedHead(ctx)
	if err != nil {
		return nil, err
	}
	p := &WeightsPolicy{Block: num}
	get := func(entry string, keys ...any) (any, error) {
		if !c.Meta.HasStorage("SubtensorModule", entry) {
			return nil, nil
		}
		v, _, err := c.Query(ctx, &head, "SubtensorModule", entry, keys...)
		return v, err
	}
	v, err := get("CommitRevealWeightsEnabled", netuid)
	if err != nil {
		return nil, err
	}
	p.CommitReveal, _ = v.(bool)
	if v, err = get("WeightsVersionKey", netuid); err != nil {
		return nil, err
	}
	p.VersionKey, _ = Uint(v)
	if v, err = get("WeightsSetRateLimit", netuid); err != nil {
		return nil, err
	}
	p.RateLimit, _ = Uint(v)
	if uid >= 0 {
		if v, err = get("LastUpdate", netuid); err != nil {
			return nil, err
		}
		if list, ok := v.([]any); ok && uid < len(list) {
			p.LastUpdate, _ = Uint(list[uid])
		}
	}
	if v, err = get("WeightCommits", netuid, hotkey[:]); err != nil {
		return nil, err
	}
	if list, ok := v.([]any); ok {
		p.PendingCommits = len(list)
	}
	return p, nil
}

// CheckRateLimit explains why weights cannot be set now, or returns nil.
func (p *WeightsPolicy) CheckRateLimit() error {
	if p.LastUpdate > 0 && p.RateLimit > 0 && p.Block < p.LastUpdate+p.RateLimit {
		return fmt.Errorf("rate limit: this hotkey last set weights at block %d and the subnet allows one update per %d blocks; the chain is at %d, wait %d more blocks",
			p.LastUpdate, p.RateLimit, p.Block, p.LastUpdate+p.RateLimit-p.Block)
	}
	return nil
}

// CheckCommitRoom refuses an 11th pending commit before the chain does.
func (p *WeightsPolicy) CheckCommitRoom() error {
	if p.PendingCommits >= MaxPendingCommits {
		return errors.New("this hotkey already has 10 unrevealed weight commits on this subnet (the chain's limit); reveal them first with ff-submit reveal")
	}
	return nil
}

package chain

import (
	"context"
	"fmt"
	"strings"

	"github.com/flock-off/ff/lib/keys"
)

// Neuron is one uid of a subnet.
type Neuron struct {
	UID                 int    `json:"uid"`
	Hotkey              string `json:"hotkey"`
	Coldkey             string `json:"coldkey"`
	Stake               uint64 `json:"stake"`
	ValidatorPermit     bool   `json:"validator_permit"`
	BlockAtRegistration uint64 `json:"block_at_registration"`
	LastUpdate          uint64 `json:"last_update"`
	hotkey              [32]byte
}

// HotkeyID is the hotkey's public key.
func (n *Neuron) HotkeyID() [32]byte { return n.hotkey }

// Metagraph reads every uid of netuid at block at from storage: SubnetworkN,
// Keys, Owner, BlockAtRegistration, LastUpdate, ValidatorPermit and the
// stake (TotalHotkeyAlpha on dynamic-TAO runtimes, else TotalHotkeyStake).
func (c *Client) Metagraph(ctx context.Context, at [32]byte, netuid uint16) ([]*Neuron, error) {
	v, _, err := c.Query(ctx, &at, "SubtensorModule", "SubnetworkN", netuid)
	if err != nil {
		return nil, err
	}
	n, _ := Uint(v)
	if n == 0 {
		if ok, _ := c.SubnetExists(ctx, at, netuid); !ok {
			return nil, fmt.Errorf("subnet %d does not exist", netuid)
		}
		return nil, nil
	}
	// Keys and BlockAtRegistration for every uid in one batch.
	var ks [][]byte
	for uid := uint64(0); uid < n; uid++ {
		for _, entry := range []string{"Keys", "BlockAtRegistration"} {
			k, err := StorageKey(c.Meta, "SubtensorModule", entry, netuid, uint16(uid))
			if err != nil {
				return nil, err
			}
			ks = append(ks, k)
		}
	}
	vals, err := c.RawStorageMany(ctx, ks, &at)
	if err != nil {
		return nil, err
	}
	decode := func(entry string, k []byte) any {
		raw, ok := vals[strings.ToLower(Hex(k))]
		v, _, _ := DecodeStorage(c.Meta, "SubtensorModule", entry, raw, ok)
		return v
	}
	neurons := make([]*Neuron, n)
	for uid := range neurons {
		nr := &Neuron{UID: uid}
		nr.hotkey, _ = AccountID(decode("Keys", ks[2*uid]))
		nr.Hotkey = keys.SS58Encode(nr.hotkey[:], keys.SubstratePrefix)
		nr.BlockAtRegistration, _ = Uint(decode("BlockAtRegistration", ks[2*uid+1]))
		neurons[uid] = nr
	}
	// Owner and stake per hotkey.
	ks = ks[:0]
	stakeEntry, stakeKeys := "TotalHotkeyAlpha", func(h [32]byte) []any { return []any{h[:], netuid} }
	if !c.Meta.HasStorage("SubtensorModule", stakeEntry) {
		stakeEntry, stakeKeys = "TotalHotkeyStake", func(h [32]byte) []any { return []any{h[:]} }
	}
	for _, nr := range neurons {
		ko, err := StorageKey(c.Meta, "SubtensorModule", "Owner", nr.hotkey[:])
		if err != nil {
			return nil, err
		}
		kst, err := StorageKey(c.Meta, "SubtensorModule", stakeEntry, stakeKeys(nr.hotkey)...)
		if err != nil {
			return nil, err
		}
		ks = append(ks, ko, kst)
	}
	if vals, err = c.RawStorageMany(ctx, ks, &at); err != nil {
		return nil, err
	}
	for i, nr := range neurons {
		ck, _ := AccountID(decode("Owner", ks[2*i]))
		nr.Coldkey = keys.SS58Encode(ck[:], keys.SubstratePrefix)
		nr.Stake, _ = Uint(decode(stakeEntry, ks[2*i+1]))
	}
	for _, entry := range []string{"LastUpdate", "ValidatorPermit"} {
		v, _, err := c.Query(ctx, &at, "SubtensorModule", entry, netuid)
		if err != nil {
			return nil, err
		}
		list, _ := v.([]any)
		for i, nr := range neurons {
			if i >= len(list) {
				break
			}
			if entry == "LastUpdate" {
				nr.LastUpdate, _ = Uint(list[i])
			} else {
				nr.ValidatorPermit, _ = list[i].(bool)
			}
		}
	}
	return neurons, nil
}

// SubnetExists reads NetworksAdded when the runtime has it.
func (c *Client) SubnetExists(ctx context.Context, at [32]byte, netuid uint16) (bool, error) {
	if !c.Meta.HasStorage("SubtensorModule", "NetworksAdded") {
		return true, nil
	}
	v, _, err := c.Query(ctx, &at, "SubtensorModule", "NetworksAdded", netuid)
	b, _ := v.(bool)
	return b, err
}

// UIDOf finds hotkey's uid on netuid (-1 if it is not registered).
func (c *Client) UIDOf(ctx context.Context, at *[32]byte, netuid uint16, hotkey [32]byte) (int, error) {
	v, ok, err := c.Query(ctx, at, "SubtensorModule", "Uids", netuid, hotkey[:])
	if err != nil || !ok {
		return -1, err
	}
	n, _ := Uint(v)
	return int(n), nil
}

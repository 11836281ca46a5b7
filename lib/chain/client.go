// Package chain talks to Bittensor's subtensor: signed extrinsics built from
// the runtime's metadata, storage reads, commitments, the metagraph and
// weights (set, or commit and reveal), and dispatch errors decoded to names.
package chain

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/flock-off/ff/lib/metadata"
	"github.com/flock-off/ff/lib/rpc"
	"github.com/flock-off/ff/lib/scale"
)

// Client is a connection to a node with the runtime facts signing needs.
type Client struct {
	RPC         *rpc.Client
	Meta        *metadata.Metadata
	Genesis     [32]byte
	SpecVersion uint32
	TxVersion   uint32
}

// Hex is 0x-prefixed lowercase hex.
func Hex(b []byte) string { return "0x" + hex.EncodeToString(b) }

// Unhex parses 0x-prefixed (or bare) hex.
func Unhex(s string) ([]byte, error) {
	return hex.DecodeString(strings.TrimPrefix(s, "0x"))
}

// ParseHash parses a 32-byte 0x-hex hash.
func ParseHash(s string) ([32]byte, error) {
	var h [32]byte
	b, err := Unhex(s)
	if err != nil || len(b) != 32 {
		return h, fmt.Errorf("want a 32-byte 0x-hex hash, got %q", s)
	}
	copy(h[:], b)
	return h, nil
}

// Connect dials url and reads the genesis hash, runtime version and metadata.
func Connect(ctx context.Context, url string, opts rpc.Options) (*Client, error) {
	r, err := rpc.Dial(ctx, url, opts)
	if err != nil {
		return nil, err
	}
	c := &Client{RPC: r}
	if err := c.init(ctx); err != nil {
		r.Close()
		return nil, err
	}
	return c, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.RPC.Close() }

func (c *Client) init(ctx context.Context) error {
	var gh string
	if err := c.RPC.Call(ctx, "chain_getBlockHash", []any{0}, &gh); err != nil {
		return fmt.Errorf("genesis hash: %w", err)
	}
	g, err := ParseHash(gh)
	if err != nil {
		return fmt.Errorf("genesis hash: %w", err)
	}
	c.Genesis = g
	var rv struct {
		SpecVersion        uint32 `json:"specVersion"`
		TransactionVersion uint32 `json:"transactionVersion"`
	}
	if err := c.RPC.Call(ctx, "state_getRuntimeVersion", nil, &rv); err != nil {
		return fmt.Errorf("runtime version: %w", err)
	}
	c.SpecVersion, c.TxVersion = rv.SpecVersion, rv.TransactionVersion
	raw, err := c.fetchMetadata(ctx)
	if err != nil {
		return err
	}
	c.Meta, err = metadata.Decode(raw)
	return err
}

// fetchMetadata asks for V16, then V15 through the Metadata runtime API, and
// falls back to state_getMetadata (V14) on older nodes.
func (c *Client) fetchMetadata(ctx context.Context) ([]byte, error) {
	for _, v := range []uint32{16, 15} {
		var res string
		arg := Hex([]byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)})
		if err := c.RPC.Call(ctx, "state_call", []any{"Metadata_metadata_at_version", arg}, &res); err != nil {
			var re *rpc.Error
			if errors.As(err, &re) {
				break // the node lacks the API; use the old method
			}
			return nil, fmt.Errorf("metadata: %w", err)
		}
		b, err := Unhex(res)
		if err != nil {
			return nil, fmt.Errorf("metadata: %w", err)
		}
		d := scale.NewDecoder(b)
		if d.Option() {
			if m := d.ByteVec(); d.Err() == nil {
				return m, nil
			}
		}
	}
	var res string
	if err := c.RPC.Call(ctx, "state_getMetadata", nil, &res); err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	return Unhex(res)
}

// FinalizedHead returns the finalized block's hash and number.
func (c *Client) FinalizedHead(ctx context.Context) ([32]byte, uint64, error) {
	var hs string
	if err := c.RPC.Call(ctx, "chain_getFinalizedHead", nil, &hs); err != nil {
		return [32]byte{}, 0, err
	}
	h, err := ParseHash(hs)
	if err != nil {
		return h, 0, err
	}
	n, err := c.BlockNumber(ctx, h)
	return h, n, err
}

// BlockNumber reads the number of block hash.
func (c *Client) BlockNumber(ctx context.Context, hash [32]byte) (uint64, error) {
	var hdr struct {
		Number string `json:"number"`
	}
	if err := c.RPC.Call(ctx, "chain_getHeader", []any{Hex(hash[:])}, &hdr); err != nil {
		return 0, err
	}
	return strconv.ParseUint(strings.TrimPrefix(hdr.Number, "0x"), 16, 64)
}

// Nonce is the next transaction index of an account (counting the pool).
func (c *Client) Nonce(ctx context.Context, ss58 string) (uint64, error) {
	var n uint64
	err := c.RPC.Call(ctx, "system_accountNextIndex", []any{ss58}, &n)
	return n, err
}

// SignParams gathers nonce, era and chain facts for signing now. period 0
// means immortal.
func (c *Client) SignParams(ctx context.Context, ss58 string, period, tip uint64) (SignParams, error) {
	p := SignParams{Genesis: c.Genesis, SpecVersion: c.SpecVersion, TxVersion: c.TxVersion, Tip: tip}
	n, err := c.Nonce(ctx, ss58)
	if err != nil {
		return p, fmt.Errorf("nonce: %w", err)
	}
	p.Nonce = n
	if period == 0 {
		p.Era, p.BlockHash = Era{Immortal: true}, c.Genesis
		return p, nil
	}
	head, num, err := c.FinalizedHead(ctx)
	if err != nil {
		return p, fmt.Errorf("finalized head: %w", err)
	}
	p.Era = MortalEra(period, num)
	birth := p.Era.Birth(num)
	if birth == num {
		p.BlockHash = head
		return p, nil
	}
	var bh string
	if err := c.RPC.Call(ctx, "chain_getBlockHash", []any{birth}, &bh); err != nil {
		return p, err
	}
	p.BlockHash, err = ParseHash(bh)
	return p, err
}

// RawStorage reads one storage key at block at (nil: the best block).
func (c *Client) RawStorage(ctx context.Context, key []byte, at *[32]byte) ([]byte, bool, error) {
	params := []any{Hex(key)}
	if at != nil {
		params = append(params, Hex(at[:]))
	}
	var res *string
	if err := c.RPC.Call(ctx, "state_getStorage", params, &res); err != nil {
		return nil, false, err
	}
	if res == nil {
		return nil, false, nil
	}
	b, err := Unhex(*res)
	return b, true, err
}

// RawStorageMany reads many keys at one block with state_queryStorageAt.
func (c *Client) RawStorageMany(ctx context.Context, ks [][]byte, at *[32]byte) (map[string][]byte, error) {
	out := map[string][]byte{}
	for start := 0; start < len(ks); start += 512 {
		batch := ks[start:min(start+512, len(ks))]
		hexKeys := make([]string, len(batch))
		for i, k := range batch {
			hexKeys[i] = Hex(k)
		}
		params := []any{hexKeys}
		if at != nil {
			params = append(params, Hex(at[:]))
		}
		var res []struct {
			Changes [][2]*string `json:"changes"`
		}
		if err := c.RPC.Call(ctx, "state_queryStorageAt", params, &res); err != nil {
			return nil, err
		}
		for _, set := range res {
			for _, ch := range set.Changes {
				if ch[0] == nil || ch[1] == nil {
					continue
				}
				v, err := Unhex(*ch[1])
				if err != nil {
					return nil, err
				}
				out[strings.ToLower(*ch[0])] = v
			}
		}
	}
	return out, nil
}

// Query reads pallet.entry at keys and decodes it; an absent value of a
// non-Optional entry is its default, an absent Optional one is (nil, false).
func (c *Client) Query(ctx context.Context, at *[32]byte, pallet, entry string, keys ...any) (any, bool, error) {
	k, err := StorageKey(c.Meta, pallet, entry, keys...)
	if err != nil {
		return nil, false, err
	}
	raw, ok, err := c.RawStorage(ctx, k, at)
	if err != nil {
		return nil, false, fmt.Errorf("%s.%s: %w", pallet, entry, err)
	}
	return DecodeStorage(c.Meta, pallet, entry, raw, ok)
}

// DecodeStorage decodes a storage value (or the entry's default when absent).
func DecodeStorage(m *metadata.Metadata, pallet, entry string, raw []byte, found bool) (any, bool, error) {
	_, e, err := m.Storage(pallet, entry)
	if err != nil {
		return nil, false, err
	}
	if !found {
		if e.Optional {
			return nil, false, nil
		}
		raw = e.Default
	}
	v, err := m.Types.Decode(raw, e.Value)
	if err != nil {
		return nil, false, fmt.Errorf("%s.%s: %w", pallet, entry, err)
	}
	return v, true, nil
}

// Constant decodes pallet.name.
func Constant(m *metadata.Metadata, pallet, name string) (any, error) {
	k, err := m.Constant(pallet, name)
	if err != nil {
		return nil, err
	}
	return m.Types.Decode(k.Value, k.Type)
}

// Uint reads a decoded integer value.
func Uint(v any) (uint64, bool) {
	switch n := v.(type) {
	case uint64:
		return n, true
	case int64:
		return uint64(n), n >= 0
	}
	return 0, false
}

// AccountID reads a decoded AccountId32 value.
func AccountID(v any) ([32]byte, bool) {
	var a [32]byte
	b, ok := v.(metadata.Bytes)
	if !ok || len(b) != 32 {
		return a, false
	}
	copy(a[:], b)
	return a, true
}

// MarshalValue renders a decoded value as JSON.
func MarshalValue(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage(`null`)
	}
	return b
}

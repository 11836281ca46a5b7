package chain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/flock-off/ff/lib/metadata"
	"github.com/flock-off/ff/lib/rpc"
)

// Wait says how long Submit waits: until the extrinsic is in a block
// (inclusion) or in a finalized block (finalization).
type Wait string

// The waits.
const (
	WaitInclusion    Wait = "inclusion"
	WaitFinalization Wait = "finalization"
)

// Result is the fate of a submitted extrinsic.
type Result struct {
	Hash      [32]byte
	BlockHash [32]byte
	Finalized bool
	Index     int          // the extrinsic's index in its block
	Events    []any        // its events, decoded
	Failure   *DispatchErr // nil when it succeeded
}

// DispatchErr is a failed dispatch: the module error's pallet, name and docs
// when it is one, else the raw DispatchError.
type DispatchErr struct {
	Module *metadata.ModuleError
	Raw    any
}

func (e *DispatchErr) Error() string {
	if e.Module != nil {
		return "dispatch failed: " + e.Module.Error()
	}
	return "dispatch failed: " + string(MarshalValue(e.Raw))
}

// RejectedError is the node refusing an extrinsic before it entered the
// pool (bad signature, stale nonce, …): it was certainly not included.
type RejectedError struct{ Err error }

func (e *RejectedError) Error() string {
	return "submit: the node refused the transaction: " + e.Err.Error()
}
func (e *RejectedError) Unwrap() error { return e.Err }

// Submit sends a signed extrinsic and watches it until wait is met, then
// reads its events to report success or the decoded dispatch error.
func (c *Client) Submit(ctx context.Context, s *Signed, wait Wait) (*Result, error) {
	sub, err := c.RPC.Subscribe(ctx, "author_submitAndWatchExtrinsic", []any{Hex(s.Bytes)}, "author_unwatchExtrinsic")
	if err != nil {
		var re *rpc.Error
		if errors.As(err, &re) {
			return nil, &RejectedError{Err: re}
		}
		return nil, fmt.Errorf("submit: %w", err)
	}
	defer sub.Unsubscribe()
	res := &Result{Hash: s.Hash}
	for {
		var raw json.RawMessage
		var ok bool
		select {
		case raw, ok = <-sub.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if !ok {
			return nil, fmt.Errorf("submit: the node closed the watch: %v", sub.Err())
		}
		var name string
		if json.Unmarshal(raw, &name) == nil {
			switch name {
			case "future", "ready", "broadcast":
				continue
			}
			return nil, fmt.Errorf("submit: transaction %s", name)
		}
		var st map[string]json.RawMessage
		if err := json.Unmarshal(raw, &st); err != nil {
			return nil, fmt.Errorf("submit: unexpected status %s", raw)
		}
		for k, v := range st {
			switch k {
			case "inBlock", "finalized":
				var hs string
				json.Unmarshal(v, &hs)
				h, err := ParseHash(hs)
				if err != nil {
					return nil, err
				}
				res.BlockHash, res.Finalized = h, k == "finalized"
				if k == "inBlock" && wait == WaitFinalization {
					continue
				}
				if err := c.readOutcome(ctx, res); err != nil {
					return res, err
				}
				return res, nil
			case "broadcast", "retracted":
				continue
			default:
				return nil, fmt.Errorf("submit: transaction %s %s", k, v)
			}
		}
	}
}

// readOutcome finds the extrinsic in its block and decodes its events.
func (c *Client) readOutcome(ctx context.Context, res *Result) error {
	var blk struct {
		Block struct {
			Extrinsics []string `json:"extrinsics"`
		} `json:"block"`
	}
	if err := c.RPC.Call(ctx, "chain_getBlock", []any{Hex(res.BlockHash[:])}, &blk); err != nil {
		return fmt.Errorf("read block: %w", err)
	}
	res.Index = -1
	for i, x := range blk.Block.Extrinsics {
		b, err := Unhex(x)
		if err == nil && Blake2_256(b) == res.Hash {
			res.Index = i
		}
	}
	if res.Index < 0 {
		return errors.New("the extrinsic is not in the block the node reported")
	}
	v, _, err := c.Query(ctx, &res.BlockHash, "System", "Events")
	if err != nil {
		return fmt.Errorf("read events: %w", err)
	}
	evs, _ := v.([]any)
	for _, ev := range evs {
		rec, ok := ev.(metadata.Object)
		if !ok {
			continue
		}
		phase, _ := rec.Get("phase")
		if idx, ok := applyIndex(phase); !ok || idx != res.Index {
			continue
		}
		event, _ := rec.Get("event")
		res.Events = append(res.Events, event)
		if pallet, name, fields := eventParts(event); pallet == "System" && name == "ExtrinsicFailed" {
			res.Failure = c.dispatchError(fields)
		}
	}
	return nil
}

func applyIndex(phase any) (int, bool) {
	o, ok := phase.(metadata.Object)
	if !ok || len(o) != 1 || o[0].Key != "ApplyExtrinsic" {
		return 0, false
	}
	n, ok := Uint(o[0].Value)
	return int(n), ok
}

// eventParts splits a decoded RuntimeEvent into pallet, event name and fields.
func eventParts(ev any) (string, string, any) {
	o, ok := ev.(metadata.Object)
	if !ok || len(o) != 1 {
		return "", "", nil
	}
	switch inner := o[0].Value.(type) {
	case string:
		return o[0].Key, inner, nil
	case metadata.Object:
		if len(inner) == 1 {
			return o[0].Key, inner[0].Key, inner[0].Value
		}
	}
	return o[0].Key, "", nil
}

// dispatchError decodes ExtrinsicFailed's DispatchError; Module errors are
// named from the metadata with their docs.
func (c *Client) dispatchError(fields any) *DispatchErr {
	var de any = fields
	if o, ok := fields.(metadata.Object); ok {
		if v, ok := o.Get("dispatch_error"); ok {
			de = v
		}
	}
	return DecodeDispatchError(c.Meta, de)
}

// DecodeDispatchError names a decoded DispatchError value.
func DecodeDispatchError(m *metadata.Metadata, de any) *DispatchErr {
	out := &DispatchErr{Raw: de}
	o, ok := de.(metadata.Object)
	if !ok || len(o) != 1 || o[0].Key != "Module" {
		return out
	}
	me, ok := o[0].Value.(metadata.Object)
	if !ok {
		return out
	}
	idx, _ := me.Get("index")
	errb, _ := me.Get("error")
	pi, ok1 := Uint(idx)
	var first byte
	switch b := errb.(type) {
	case metadata.Bytes:
		if len(b) > 0 {
			first = b[0]
		}
	case uint64:
		first = byte(b)
	}
	if ok1 {
		if named, err := m.ModuleErrorOf(uint8(pi), first); err == nil {
			out.Module = named
		}
	}
	return out
}

// EventName is "Pallet.Event" of a decoded event.
func EventName(ev any) string {
	p, n, _ := eventParts(ev)
	return strings.TrimSuffix(p+"."+n, ".")
}

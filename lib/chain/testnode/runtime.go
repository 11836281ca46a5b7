package testnode

import (
	"github.com/flock-off/ff/lib/chain"
	"github.com/flock-off/ff/lib/metadata"
)

// submit checks an extrinsic as a transaction pool would (decodes, era,
// nonce, signature), then puts it alone in a new block, dispatching its call.
func (n *Node) submit(req request, sub string, send func(any)) {
	fail := func(code int, msg string) {
		send(map[string]any{"jsonrpc": "2.0", "id": req.ID, "error": rpcErr{code, msg}})
	}
	raw, err := chain.Unhex(str(req.Params, 0))
	if err != nil {
		fail(-32602, "bad hex")
		return
	}
	n.mu.Lock()
	x, err := chain.DecodeExtrinsic(n.Meta, raw)
	if err != nil {
		n.mu.Unlock()
		fail(1002, "Verification Error: Runtime error: Could not decode: "+err.Error())
		return
	}
	p := chain.SignParams{Era: x.Era, Genesis: n.Genesis(), SpecVersion: n.SpecVersion, TxVersion: n.TxVersion}
	p.BlockHash = p.Genesis
	if !x.Era.Immortal {
		birth := x.Era.Birth(n.head().number)
		if birth >= uint64(len(n.blocks)) {
			n.mu.Unlock()
			fail(1010, "Invalid Transaction: Transaction has an ancient birth block")
			return
		}
		p.BlockHash = n.blocks[birth].hash
	}
	implicit, err := chain.Implicit(n.Meta, p)
	if err != nil || !x.VerifySignature(implicit) {
		n.mu.Unlock()
		fail(1010, "Invalid Transaction: Transaction has a bad signature")
		return
	}
	if x.Nonce < n.nonces[x.Signer] {
		n.mu.Unlock()
		fail(1010, "Invalid Transaction: Transaction is outdated")
		return
	}
	if x.Nonce > n.nonces[x.Signer] {
		n.mu.Unlock()
		fail(1010, "Invalid Transaction: Transaction will be valid in the future")
		return
	}
	n.nonces[x.Signer]++
	blockNum := n.head().number + 1
	modErr := n.dispatch(x.Signer, x.Call, blockNum)
	rec := Applied{Signer: ss58(x.Signer), Call: x.Call, Block: blockNum}
	var ev any
	if modErr != "" {
		rec.Error = x.Call.Pallet + "." + modErr
		ev = n.failedEvent(x.Call.Pallet, modErr)
	} else {
		ev = metadata.VariantValue{Name: "System", Value: metadata.VariantValue{Name: "ExtrinsicSuccess", Value: n.zero("System", "ExtrinsicSuccess")}}
	}
	events := []any{metadata.Object{
		{Key: "phase", Value: metadata.VariantValue{Name: "ApplyExtrinsic", Value: uint32(0)}},
		{Key: "event", Value: ev},
		{Key: "topics", Value: []any{}},
	}}
	b := n.newBlock(raw, events)
	n.applied = append(n.applied, rec)
	n.mu.Unlock()

	send(map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": sub})
	note := func(v any) {
		send(map[string]any{"jsonrpc": "2.0", "method": "author_extrinsicUpdate", "params": map[string]any{"subscription": sub, "result": v}})
	}
	note("ready")
	note(map[string]any{"inBlock": chain.Hex(b.hash[:])})
	note(map[string]any{"finalized": chain.Hex(b.hash[:])})
}

// zero builds the fields of event pallet.name with zero values, so events
// can be encoded by the metadata without knowing every field.
func (n *Node) zero(pallet, name string) any {
	p, _ := n.Meta.Pallet(pallet)
	t, _ := n.Meta.Types.Type(uint32(p.Event))
	v, _ := t.VariantByName(name)
	o := metadata.Object{}
	for _, f := range v.Fields {
		o = append(o, metadata.KV{Key: f.Name, Value: zeroValue(n.Meta.Types, f.Type, 0)})
	}
	return o
}

func (n *Node) failedEvent(pallet, errName string) any {
	p, _ := n.Meta.Pallet(pallet)
	t, _ := n.Meta.Types.Type(uint32(p.Error))
	v, ok := t.VariantByName(errName)
	if !ok {
		n.T.Fatalf("testnode: %s has no error %s", pallet, errName)
	}
	fields := n.zero("System", "ExtrinsicFailed").(metadata.Object)
	for i := range fields {
		if fields[i].Key == "dispatch_error" {
			fields[i].Value = metadata.VariantValue{Name: "Module", Value: metadata.Object{
				{Key: "index", Value: p.Index}, {Key: "error", Value: []byte{v.Index, 0, 0, 0}},
			}}
		}
	}
	return metadata.VariantValue{Name: "System", Value: metadata.VariantValue{Name: "ExtrinsicFailed", Value: fields}}
}

// zeroValue is a value of type id that encodes to its zero: first variants,
// empty sequences, zero numbers.
func zeroValue(r *metadata.Registry, id uint32, depth int) any {
	t, _ := r.Type(id)
	switch t.Kind {
	case metadata.Composite:
		o := metadata.Object{}
		if len(t.Fields) > 0 && t.Fields[0].Name == "" {
			var items []any
			for _, f := range t.Fields {
				items = append(items, zeroValue(r, f.Type, depth+1))
			}
			if len(items) == 1 {
				return items[0]
			}
			return items
		}
		for _, f := range t.Fields {
			o = append(o, metadata.KV{Key: f.Name, Value: zeroValue(r, f.Type, depth+1)})
		}
		return o
	case metadata.Variant:
		v := t.Variants[0]
		var fields []any
		for _, f := range v.Fields {
			fields = append(fields, zeroValue(r, f.Type, depth+1))
		}
		var val any
		if len(fields) == 1 {
			val = fields[0]
		} else if len(fields) > 1 {
			val = fields
		}
		return metadata.VariantValue{Name: v.Name, Value: val}
	case metadata.Sequence:
		return []any{}
	case metadata.Array:
		items := make([]any, t.Len)
		for i := range items {
			items[i] = zeroValue(r, t.Elem, depth+1)
		}
		return items
	case metadata.Tuple:
		items := make([]any, len(t.Tuple))
		for i, e := range t.Tuple {
			items[i] = zeroValue(r, e, depth+1)
		}
		return items
	case metadata.Primitive:
		switch t.Prim {
		case metadata.Bool:
			return false
		case metadata.Str:
			return ""
		case metadata.Char:
			return "0"
		}
	}
	return 0
}

// dispatch applies a call; it returns the name of the pallet error on failure.
func (n *Node) dispatch(signer [32]byte, c *chain.Call, block uint64) string {
	arg := func(k string) any { v, _ := c.Args.Get(k); return v }
	u16 := func(k string) uint16 { v, _ := chain.Uint(arg(k)); return uint16(v) }
	list := func(k string) []uint16 {
		var out []uint16
		items, _ := arg(k).([]any)
		for _, it := range items {
			v, _ := chain.Uint(it)
			out = append(out, uint16(v))
		}
		return out
	}
	netuid := u16("netuid")
	uidV, registered := n.get("SubtensorModule", "Uids", netuid, signer[:])
	uid, _ := chain.Uint(uidV)
	switch c.FullName() {
	case "Commitments.set_commitment":
		if !registered {
			return "AccountNotAllowedCommit"
		}
		n.set("Commitments", "CommitmentOf", metadata.Object{
			{Key: "deposit", Value: uint64(0)}, {Key: "block", Value: uint32(block)}, {Key: "info", Value: arg("info")},
		}, netuid, signer[:])
		return ""
	case "SubtensorModule.set_weights":
		if !registered {
			return "HotKeyNotRegisteredInSubNet"
		}
		if on, _ := n.get("SubtensorModule", "CommitRevealWeightsEnabled", netuid); on == true {
			return "CommitRevealEnabled"
		}
		if msg := n.rateLimited(netuid, uid, block); msg != "" {
			return msg
		}
		return n.setWeights(netuid, uid, list("dests"), list("weights"), block)
	case "SubtensorModule.commit_weights":
		if !registered {
			return "HotKeyNotRegisteredInSubNet"
		}
		hash, _ := arg("commit_hash").(metadata.Bytes)
		cur, _ := n.get("SubtensorModule", "WeightCommits", netuid, signer[:])
		commits, _ := cur.([]any)
		if len(commits) >= chain.MaxPendingCommits {
			return "TooManyUnrevealedCommits"
		}
		// Revealable from 5 blocks on, for 20 blocks: a stand-in for epochs.
		commits = append(commits, []any{[]byte(hash), block, block + 5, block + 25})
		n.set("SubtensorModule", "WeightCommits", commits, netuid, signer[:])
		return ""
	case "SubtensorModule.reveal_weights":
		vk, _ := chain.Uint(arg("version_key"))
		want := chain.CommitHash(signer, netuid, list("uids"), list("values"), list("salt"), vk)
		cur, _ := n.get("SubtensorModule", "WeightCommits", netuid, signer[:])
		commits, _ := cur.([]any)
		for i, c := range commits {
			t, _ := c.([]any)
			h, _ := t[0].(metadata.Bytes)
			if string(h) != string(want[:]) {
				continue
			}
			first, _ := chain.Uint(t[2])
			last, _ := chain.Uint(t[3])
			if block < first {
				return "RevealTooEarly"
			}
			rest := append(append([]any{}, commits[:i]...), commits[i+1:]...)
			if len(rest) == 0 {
				n.del("SubtensorModule", "WeightCommits", netuid, signer[:])
			} else {
				n.set("SubtensorModule", "WeightCommits", rest, netuid, signer[:])
			}
			if block > last {
				return "ExpiredWeightCommit"
			}
			return n.setWeights(netuid, uid, list("uids"), list("values"), block)
		}
		return "InvalidRevealCommitHashNotMatch"
	}
	return ""
}

func (n *Node) rateLimited(netuid uint16, uid uint64, block uint64) string {
	lim, _ := n.get("SubtensorModule", "WeightsSetRateLimit", netuid)
	limit, _ := chain.Uint(lim)
	lu, _ := n.get("SubtensorModule", "LastUpdate", netuid)
	list, _ := lu.([]any)
	if int(uid) < len(list) {
		last, _ := chain.Uint(list[uid])
		if last > 0 && block < last+limit {
			return "SettingWeightsTooFast"
		}
	}
	return ""
}

func (n *Node) setWeights(netuid uint16, uid uint64, uids, vals []uint16, block uint64) string {
	if len(uids) != len(vals) {
		return "WeightVecNotEqualSize"
	}
	pairs := make([]any, len(uids))
	for i := range uids {
		pairs[i] = []any{uids[i], vals[i]}
	}
	n.set("SubtensorModule", "Weights", pairs, netuid, uint16(uid))
	lu, _ := n.get("SubtensorModule", "LastUpdate", netuid)
	list, _ := lu.([]any)
	if int(uid) < len(list) {
		list[uid] = block
		n.set("SubtensorModule", "LastUpdate", list, netuid)
	}
	return ""
}

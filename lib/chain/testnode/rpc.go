package testnode

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/flock-off/ff/lib/chain"
	"github.com/flock-off/ff/lib/keys"
	"github.com/flock-off/ff/lib/scale"
	"github.com/gorilla/websocket"
)

type request struct {
	ID     json.RawMessage   `json:"id"`
	Method string            `json:"method"`
	Params []json.RawMessage `json:"params"`
}

type rpcErr struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (n *Node) serveWS(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer ws.Close()
	var wmu sync.Mutex
	send := func(v any) {
		wmu.Lock()
		defer wmu.Unlock()
		ws.WriteJSON(v)
	}
	subID := 0
	for {
		var req request
		if err := ws.ReadJSON(&req); err != nil {
			return
		}
		if req.Method == "author_submitAndWatchExtrinsic" {
			subID++
			n.submit(req, fmt.Sprintf("sub-%d", subID), send)
			continue
		}
		res, rerr := n.handle(req)
		msg := map[string]any{"jsonrpc": "2.0", "id": req.ID}
		if rerr != nil {
			msg["error"] = rerr
		} else {
			msg["result"] = res
		}
		send(msg)
	}
}

func str(p []json.RawMessage, i int) string {
	if i >= len(p) {
		return ""
	}
	var s string
	json.Unmarshal(p[i], &s)
	return s
}

// atBlock returns the storage of the block named by params[i] (the head when absent).
func (n *Node) atBlock(p []json.RawMessage, i int) (map[string][]byte, *rpcErr) {
	h := str(p, i)
	if h == "" {
		return n.state, nil
	}
	hash, err := chain.ParseHash(h)
	if err != nil {
		return nil, &rpcErr{-32602, "bad block hash"}
	}
	b := n.blockByHash(hash)
	if b == nil {
		return nil, &rpcErr{4003, "unknown block"}
	}
	return b.storage, nil
}

func header(b *block) map[string]any {
	return map[string]any{"number": fmt.Sprintf("0x%x", b.number), "parentHash": chain.Hex(b.parent[:])}
}

func (n *Node) handle(req request) (any, *rpcErr) {
	n.mu.Lock()
	defer n.mu.Unlock()
	p := req.Params
	switch req.Method {
	case "chain_getBlockHash":
		var num uint64
		if len(p) > 0 {
			json.Unmarshal(p[0], &num)
		}
		if num >= uint64(len(n.blocks)) {
			return nil, nil
		}
		return chain.Hex(n.blocks[num].hash[:]), nil
	case "state_getRuntimeVersion":
		return map[string]any{"specName": "node-subtensor", "specVersion": n.SpecVersion, "transactionVersion": n.TxVersion}, nil
	case "state_getMetadata":
		return chain.Hex(n.MetaBytes), nil
	case "state_call":
		if str(p, 0) != "Metadata_metadata_at_version" {
			return nil, &rpcErr{-32000, "unknown runtime API " + str(p, 0)}
		}
		arg, _ := chain.Unhex(str(p, 1))
		if len(arg) != 4 || binary.LittleEndian.Uint32(arg) != uint32(n.Meta.Version) {
			return "0x00", nil // None: not this version
		}
		var e scale.Encoder
		e.U8(1)
		e.ByteVec(n.MetaBytes)
		return chain.Hex(e.B), nil
	case "chain_getFinalizedHead":
		h := n.head().hash
		return chain.Hex(h[:]), nil
	case "chain_getHeader":
		b := n.head()
		if h := str(p, 0); h != "" {
			hash, _ := chain.ParseHash(h)
			if b = n.blockByHash(hash); b == nil {
				return nil, nil
			}
		}
		return header(b), nil
	case "chain_getBlock":
		hash, _ := chain.ParseHash(str(p, 0))
		b := n.blockByHash(hash)
		if b == nil {
			return nil, nil
		}
		var xs []string
		for _, x := range b.extrinsics {
			xs = append(xs, chain.Hex(x))
		}
		return map[string]any{"block": map[string]any{"header": header(b), "extrinsics": xs}}, nil
	case "state_getStorage":
		st, e := n.atBlock(p, 1)
		if e != nil {
			return nil, e
		}
		k, _ := chain.Unhex(str(p, 0))
		if v, ok := st[string(k)]; ok {
			return chain.Hex(v), nil
		}
		return nil, nil
	case "state_queryStorageAt":
		var ks []string
		if len(p) > 0 {
			json.Unmarshal(p[0], &ks)
		}
		st, e := n.atBlock(p, 1)
		if e != nil {
			return nil, e
		}
		var changes [][2]*string
		for _, kh := range ks {
			k, _ := chain.Unhex(kh)
			kc := strings.ToLower(kh)
			if v, ok := st[string(k)]; ok {
				h := chain.Hex(v)
				changes = append(changes, [2]*string{&kc, &h})
			} else {
				changes = append(changes, [2]*string{&kc, nil})
			}
		}
		h := n.head().hash
		return []any{map[string]any{"block": chain.Hex(h[:]), "changes": changes}}, nil
	case "system_accountNextIndex":
		pub, _, err := keys.SS58Decode(str(p, 0))
		if err != nil {
			return nil, &rpcErr{-32602, "bad address"}
		}
		var a [32]byte
		copy(a[:], pub)
		return n.nonces[a], nil
	case "author_unwatchExtrinsic":
		return true, nil
	}
	return nil, &rpcErr{-32601, "Method not found: " + req.Method}
}

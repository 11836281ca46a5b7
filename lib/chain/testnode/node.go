// Package testnode is an in-process subtensor stand-in for tests: it serves
// the JSON-RPC methods ff-submit uses over a real WebSocket on 127.0.0.1,
// verifies the signature of every submitted extrinsic, decodes its call with
// the runtime metadata, applies commitments and weights (set, commit,
// reveal) with the chain's checks, and produces one block per extrinsic with
// System.Events. Test code only: it is not a chain.
package testnode

import (
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/flock-off/ff/lib/chain"
	"github.com/flock-off/ff/lib/keys"
	"github.com/flock-off/ff/lib/metadata"
)

// Applied is one extrinsic the node accepted, as decoded.
type Applied struct {
	Signer string
	Call   *chain.Call
	Block  uint64
	Error  string // "Pallet.Error" when the dispatch failed
}

type block struct {
	hash       [32]byte
	number     uint64
	parent     [32]byte
	extrinsics [][]byte
	storage    map[string][]byte // state after the block
}

// Node is the fake chain.
type Node struct {
	T           testing.TB
	Meta        *metadata.Metadata
	MetaBytes   []byte
	SpecVersion uint32
	TxVersion   uint32

	mu      sync.Mutex
	state   map[string][]byte
	blocks  []*block
	nonces  map[[32]byte]uint64
	applied []Applied
	srv     *httptest.Server
}

// New starts a node serving metaBytes (SCALE "meta…") on 127.0.0.1.
func New(t testing.TB, metaBytes []byte) *Node {
	m, err := metadata.Decode(metaBytes)
	if err != nil {
		t.Fatal(err)
	}
	n := &Node{T: t, Meta: m, MetaBytes: metaBytes, SpecVersion: 331, TxVersion: 1,
		state: map[string][]byte{}, nonces: map[[32]byte]uint64{}}
	genesis := &block{number: 0, storage: map[string][]byte{}}
	genesis.hash = chain.Blake2_256([]byte("ff testnode genesis"))
	n.blocks = []*block{genesis}
	n.srv = httptest.NewServer(http.HandlerFunc(n.serveWS))
	t.Cleanup(n.srv.Close)
	return n
}

// URL is the node's ws:// endpoint.
func (n *Node) URL() string { return "ws" + strings.TrimPrefix(n.srv.URL, "http") }

// Genesis is the genesis hash.
func (n *Node) Genesis() [32]byte { return n.blocks[0].hash }

// Head is the newest block number.
func (n *Node) Head() uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.head().number
}

func (n *Node) head() *block { return n.blocks[len(n.blocks)-1] }

// Applied lists the extrinsics in blocks so far.
func (n *Node) Applied() []Applied {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]Applied(nil), n.applied...)
}

// Set writes pallet.entry at keys to value (encoded by the entry's type),
// visible at once, also in reads at the current head.
func (n *Node) Set(pallet, entry string, value any, keys ...any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.set(pallet, entry, value, keys...)
	n.syncHead()
}

// syncHead makes the head block's state the current one (test setup
// happens "in" the head block).
func (n *Node) syncHead() {
	h := n.head()
	h.storage = make(map[string][]byte, len(n.state))
	for k, v := range n.state {
		h.storage[k] = v
	}
}

func (n *Node) set(pallet, entry string, value any, keys ...any) {
	n.T.Helper()
	k, err := chain.StorageKey(n.Meta, pallet, entry, keys...)
	if err != nil {
		n.T.Fatal(err)
	}
	_, e, _ := n.Meta.Storage(pallet, entry)
	b, err := n.Meta.Types.EncodeToBytes(e.Value, value)
	if err != nil {
		n.T.Fatalf("testnode: %s.%s: %v", pallet, entry, err)
	}
	n.state[string(k)] = b
}

func (n *Node) del(pallet, entry string, keys ...any) {
	k, _ := chain.StorageKey(n.Meta, pallet, entry, keys...)
	delete(n.state, string(k))
}

// Get decodes pallet.entry at keys (the default when absent; nil, false for
// an absent Optional entry).
func (n *Node) Get(pallet, entry string, keys ...any) (any, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.get(pallet, entry, keys...)
}

func (n *Node) get(pallet, entry string, keys ...any) (any, bool) {
	k, err := chain.StorageKey(n.Meta, pallet, entry, keys...)
	if err != nil {
		n.T.Fatal(err)
	}
	raw, ok := n.state[string(k)]
	v, found, err := chain.DecodeStorage(n.Meta, pallet, entry, raw, ok)
	if err != nil {
		n.T.Fatal(err)
	}
	return v, found
}

// Register puts hotkey (owned by coldkey) at uid of netuid, creating the subnet.
func (n *Node) Register(netuid, uid uint16, hotkey, coldkey [32]byte) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.set("SubtensorModule", "NetworksAdded", true, netuid)
	cur, _ := n.get("SubtensorModule", "SubnetworkN", netuid)
	count, _ := chain.Uint(cur)
	if uint64(uid) >= count {
		count = uint64(uid) + 1
		n.set("SubtensorModule", "SubnetworkN", uint16(count), netuid)
	}
	n.set("SubtensorModule", "Keys", hotkey[:], netuid, uid)
	n.set("SubtensorModule", "Uids", uid, netuid, hotkey[:])
	n.set("SubtensorModule", "Owner", coldkey[:], hotkey[:])
	n.set("SubtensorModule", "BlockAtRegistration", n.head().number, netuid, uid)
	n.set("SubtensorModule", "TotalHotkeyAlpha", uint64(1000+uid), hotkey[:], netuid)
	for _, entry := range []string{"LastUpdate", "ValidatorPermit"} {
		v, _ := n.get("SubtensorModule", entry, netuid)
		list, _ := v.([]any)
		for len(list) < int(count) {
			if entry == "LastUpdate" {
				list = append(list, uint64(0))
			} else {
				list = append(list, false)
			}
		}
		if entry == "ValidatorPermit" {
			list[uid] = true
		}
		n.set("SubtensorModule", entry, list, netuid)
	}
	n.syncHead()
}

// AdvanceBlocks produces empty blocks.
func (n *Node) AdvanceBlocks(k int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for i := 0; i < k; i++ {
		n.newBlock(nil, nil)
	}
}

// newBlock seals the current state with the given extrinsic and events.
func (n *Node) newBlock(ext []byte, events []any) *block {
	parent := n.head()
	b := &block{number: parent.number + 1, parent: parent.hash}
	if ext != nil {
		b.extrinsics = [][]byte{ext}
	}
	n.set("System", "Events", events)
	seed := binary.LittleEndian.AppendUint64(append([]byte(nil), parent.hash[:]...), b.number)
	b.hash = chain.Blake2_256(append(seed, ext...))
	b.storage = make(map[string][]byte, len(n.state))
	for k, v := range n.state {
		b.storage[k] = v
	}
	n.blocks = append(n.blocks, b)
	return b
}

func (n *Node) blockByHash(h [32]byte) *block {
	for _, b := range n.blocks {
		if b.hash == h {
			return b
		}
	}
	return nil
}

func ss58(pub [32]byte) string { return keys.SS58Encode(pub[:], keys.SubstratePrefix) }

// Package rpc is a JSON-RPC 2.0 client over WebSocket for Substrate nodes:
// calls with timeouts, retries with backoff on transport errors (reconnecting
// as needed), and subscriptions such as author_submitAndWatchExtrinsic.
package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Networks maps --network names to endpoints (bittensor/core/settings.py).
var Networks = map[string]string{
	"finney": "wss://entrypoint-finney.opentensor.ai:443",
	"test":   "wss://test.finney.opentensor.ai:443",
	"local":  "ws://127.0.0.1:9944",
}

// Endpoint resolves a --network value: a name from Networks or a ws(s):// URL.
func Endpoint(network string) (string, error) {
	if u, ok := Networks[network]; ok {
		return u, nil
	}
	if strings.HasPrefix(network, "ws://") || strings.HasPrefix(network, "wss://") {
		return network, nil
	}
	return "", fmt.Errorf("unknown network %q: want finney, test, local or a ws(s):// URL", network)
}

// Options tune a Client.
type Options struct {
	Timeout time.Duration // per call (default 30s)
	Retries int           // extra attempts after a transport error (default 3)
	Backoff time.Duration // first wait between attempts, doubled each time (default 500ms)
}

func (o *Options) defaults() {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Retries < 0 {
		o.Retries = 0
	} else if o.Retries == 0 {
		o.Retries = 3
	}
	if o.Backoff <= 0 {
		o.Backoff = 500 * time.Millisecond
	}
}

// Error is an error object returned by the node.
type Error struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *Error) Error() string {
	s := fmt.Sprintf("rpc error %d: %s", e.Code, e.Message)
	if len(e.Data) > 0 && string(e.Data) != "null" {
		s += ": " + string(e.Data)
	}
	return s
}

// TransportError is a failure to reach the node or keep the connection.
type TransportError struct{ Err error }

func (e *TransportError) Error() string { return "rpc transport: " + e.Err.Error() }
func (e *TransportError) Unwrap() error { return e.Err }

type message struct {
	ID     *uint64         `json:"id,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *Error          `json:"error,omitempty"`
	Method string          `json:"method,omitempty"`
	Params *struct {
		Subscription json.RawMessage `json:"subscription"`
		Result       json.RawMessage `json:"result"`
	} `json:"params,omitempty"`
}

// Client is a connection to one node; it is safe for concurrent use.
type Client struct {
	url  string
	opts Options

	mu      sync.Mutex
	conn    *conn
	nextID  uint64
	closed  bool
	dialErr error
}

// conn is one WebSocket connection and what waits on it.
type conn struct {
	ws      *websocket.Conn
	writeMu sync.Mutex
	mu      sync.Mutex
	pending map[uint64]chan *message
	subs    map[string]*Subscription
	early   map[string][]json.RawMessage // notifications that beat their subscription's registration
	done    chan struct{}
	err     error
}

// Dial connects to url.
func Dial(ctx context.Context, url string, opts Options) (*Client, error) {
	opts.defaults()
	c := &Client{url: url, opts: opts}
	if _, err := c.connect(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// URL is the endpoint.
func (c *Client) URL() string { return c.url }

// Close closes the connection; pending calls fail.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.conn != nil {
		return c.conn.ws.Close()
	}
	return nil
}

func (c *Client) connect(ctx context.Context) (*conn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errors.New("rpc: client closed")
	}
	if c.conn != nil {
		select {
		case <-c.conn.done:
		default:
			return c.conn, nil
		}
	}
	dctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	d := websocket.Dialer{HandshakeTimeout: c.opts.Timeout, ReadBufferSize: 1 << 16, WriteBufferSize: 1 << 16}
	ws, _, err := d.DialContext(dctx, c.url, nil)
	if err != nil {
		return nil, &TransportError{fmt.Errorf("connect %s: %w", c.url, err)}
	}
	ws.SetReadLimit(64 << 20) // metadata is a few MB as hex
	cn := &conn{ws: ws, pending: map[uint64]chan *message{}, subs: map[string]*Subscription{}, early: map[string][]json.RawMessage{}, done: make(chan struct{})}
	go cn.readLoop()
	c.conn = cn
	return cn, nil
}

func (cn *conn) readLoop() {
	var err error
	for {
		var m message
		_, data, rerr := cn.ws.ReadMessage()
		if rerr != nil {
			err = rerr
			break
		}
		if json.Unmarshal(data, &m) != nil {
			continue
		}
		cn.dispatch(&m)
	}
	cn.mu.Lock()
	cn.err = &TransportError{err}
	for id, ch := range cn.pending {
		close(ch)
		delete(cn.pending, id)
	}
	for _, s := range cn.subs {
		s.finish(cn.err)
	}
	cn.mu.Unlock()
	close(cn.done)
}

func (cn *conn) dispatch(m *message) {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	if m.ID != nil {
		if ch, ok := cn.pending[*m.ID]; ok {
			delete(cn.pending, *m.ID)
			ch <- m
		}
		return
	}
	if m.Params == nil {
		return
	}
	id := subKey(m.Params.Subscription)
	if s, ok := cn.subs[id]; ok {
		s.push(m.Params.Result)
		return
	}
	if len(cn.early[id]) < 64 {
		cn.early[id] = append(cn.early[id], m.Params.Result)
	}
}

func subKey(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// roundTrip sends one request on cn and waits for its answer.
func (c *Client) roundTrip(ctx context.Context, cn *conn, method string, params []any) (*message, error) {
	if params == nil {
		params = []any{}
	}
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	c.mu.Unlock()
	req, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	if err != nil {
		return nil, err
	}
	ch := make(chan *message, 1)
	cn.mu.Lock()
	if cn.err != nil {
		cn.mu.Unlock()
		return nil, cn.err
	}
	cn.pending[id] = ch
	cn.mu.Unlock()
	cn.writeMu.Lock()
	cn.ws.SetWriteDeadline(time.Now().Add(c.opts.Timeout))
	err = cn.ws.WriteMessage(websocket.TextMessage, req)
	cn.writeMu.Unlock()
	if err != nil {
		cn.ws.Close()
		return nil, &TransportError{err}
	}
	tctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	select {
	case m, ok := <-ch:
		if !ok {
			return nil, cn.err
		}
		if m.Error != nil {
			return nil, m.Error
		}
		return m, nil
	case <-tctx.Done():
		cn.mu.Lock()
		delete(cn.pending, id)
		cn.mu.Unlock()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &TransportError{fmt.Errorf("%s: no answer within %s", method, c.opts.Timeout)}
	}
}

// Call invokes method and decodes its result into out (nil to ignore it).
// Transport errors are retried with exponential backoff on a fresh
// connection; errors the node returns are not.
func (c *Client) Call(ctx context.Context, method string, params []any, out any) error {
	wait := c.opts.Backoff
	var last error
	for attempt := 0; attempt <= c.opts.Retries; attempt++ {
		if attempt > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return ctx.Err()
			}
			wait *= 2
		}
		cn, err := c.connect(ctx)
		if err == nil {
			var m *message
			m, err = c.roundTrip(ctx, cn, method, params)
			if err == nil {
				if out == nil || len(m.Result) == 0 {
					return nil
				}
				if err := json.Unmarshal(m.Result, out); err != nil {
					return fmt.Errorf("%s: unexpected result: %w", method, err)
				}
				return nil
			}
		}
		var te *TransportError
		if !errors.As(err, &te) {
			return err
		}
		last = err
	}
	return fmt.Errorf("%s: giving up after %d attempts: %w", method, c.opts.Retries+1, last)
}

// Subscription delivers a subscription's notifications in order.
type Subscription struct {
	C     <-chan json.RawMessage
	ch    chan json.RawMessage
	mu    sync.Mutex
	err   error
	ended bool
	unsub func()
}

func (s *Subscription) push(v json.RawMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	select {
	case s.ch <- v:
	default: // a consumer this far behind has stopped reading
	}
}

func (s *Subscription) finish(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ended {
		s.ended, s.err = true, err
		close(s.ch)
	}
}

// Err is why the channel closed (nil after Unsubscribe).
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Unsubscribe ends the subscription.
func (s *Subscription) Unsubscribe() {
	if s.unsub != nil {
		s.unsub()
	}
	s.finish(nil)
}

// Subscribe calls a subscribing method (not retried: resending may repeat
// an action such as submitting a transaction) and returns its notifications.
func (c *Client) Subscribe(ctx context.Context, method string, params []any, unsubMethod string) (*Subscription, error) {
	cn, err := c.connect(ctx)
	if err != nil {
		return nil, err
	}
	m, err := c.roundTrip(ctx, cn, method, params)
	if err != nil {
		return nil, err
	}
	id := subKey(m.Result)
	ch := make(chan json.RawMessage, 256)
	s := &Subscription{C: ch, ch: ch}
	s.unsub = func() {
		cn.mu.Lock()
		delete(cn.subs, id)
		cn.mu.Unlock()
		uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c.roundTrip(uctx, cn, unsubMethod, []any{json.RawMessage(m.Result)})
	}
	cn.mu.Lock()
	defer cn.mu.Unlock()
	if cn.err != nil {
		s.finish(cn.err)
		return s, nil
	}
	for _, v := range cn.early[id] {
		s.push(v)
	}
	delete(cn.early, id)
	cn.subs[id] = s
	return s, nil
}

package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// server answers echo (its params back), fail (an RPC error) and
// watch (a subscription that sends three notifications before the answer's
// reader could register it). dropFirst closes the first connection after
// reading one request, to exercise reconnects.
func server(t *testing.T, dropFirst bool) (string, *atomic.Int32) {
	var conns atomic.Int32
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		n := conns.Add(1)
		for {
			var req struct {
				ID     uint64          `json:"id"`
				Method string          `json:"method"`
				Params json.RawMessage `json:"params"`
			}
			if err := ws.ReadJSON(&req); err != nil {
				return
			}
			if dropFirst && n == 1 {
				return
			}
			switch req.Method {
			case "echo":
				ws.WriteJSON(map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": req.Params})
			case "fail":
				ws.WriteJSON(map[string]any{"jsonrpc": "2.0", "id": req.ID, "error": map[string]any{"code": 1010, "message": "Invalid Transaction"}})
			case "watch":
				// The subscription id answer goes last on purpose.
				for i := 0; i < 3; i++ {
					ws.WriteJSON(map[string]any{"jsonrpc": "2.0", "method": "watch_event", "params": map[string]any{"subscription": "s1", "result": i}})
				}
				ws.WriteJSON(map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": "s1"})
				ws.WriteJSON(map[string]any{"jsonrpc": "2.0", "method": "watch_event", "params": map[string]any{"subscription": "s1", "result": 3}})
			case "silent":
				// never answers
			case "unwatch":
				ws.WriteJSON(map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": true})
			}
		}
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http"), &conns
}

func TestCallAndError(t *testing.T) {
	url, _ := server(t, false)
	c, err := Dial(context.Background(), url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out []int
	if err := c.Call(context.Background(), "echo", []any{1, 2}, &out); err != nil || len(out) != 2 || out[1] != 2 {
		t.Fatalf("echo: %v %v", out, err)
	}
	err = c.Call(context.Background(), "fail", nil, nil)
	var re *Error
	if !errors.As(err, &re) || re.Code != 1010 {
		t.Fatalf("fail: %v", err)
	}
}

func TestRetryReconnects(t *testing.T) {
	url, conns := server(t, true)
	c, err := Dial(context.Background(), url, Options{Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out []string
	if err := c.Call(context.Background(), "echo", []any{"x"}, &out); err != nil || out[0] != "x" {
		t.Fatalf("echo after drop: %v %v", out, err)
	}
	if conns.Load() != 2 {
		t.Fatalf("%d connections, want 2 (one dropped, one retried)", conns.Load())
	}
}

func TestGivesUp(t *testing.T) {
	_, err := Dial(context.Background(), "ws://127.0.0.1:1", Options{Timeout: time.Second})
	var te *TransportError
	if !errors.As(err, &te) {
		t.Fatalf("dial to a closed port: %v", err)
	}
}

func TestSubscriptionKeepsEarlyNotifications(t *testing.T) {
	url, _ := server(t, false)
	c, err := Dial(context.Background(), url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.Subscribe(context.Background(), "watch", nil, "unwatch")
	if err != nil {
		t.Fatal(err)
	}
	for want := 0; want < 4; want++ {
		select {
		case v := <-s.C:
			if string(v) != string(rune('0'+want)) {
				t.Fatalf("notification %s, want %d", v, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("notification %d never came", want)
		}
	}
	s.Unsubscribe()
	if s.Err() != nil {
		t.Fatal(s.Err())
	}
}

func TestEndpoint(t *testing.T) {
	for in, want := range map[string]string{"finney": Networks["finney"], "local": "ws://127.0.0.1:9944", "wss://x.example:443": "wss://x.example:443"} {
		if got, err := Endpoint(in); err != nil || got != want {
			t.Errorf("%s: %s %v", in, got, err)
		}
	}
	if _, err := Endpoint("mainnet"); err == nil {
		t.Error("unknown network accepted")
	}
}

func TestTimeoutIsRetriedThenReported(t *testing.T) {
	url, conns := server(t, false)
	c, err := Dial(context.Background(), url, Options{Timeout: 50 * time.Millisecond, Retries: 1, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Call(context.Background(), "silent", nil, nil)
	var te *TransportError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "giving up after 2 attempts") || !strings.Contains(err.Error(), "no answer within") {
		t.Fatalf("silent: %v", err)
	}
	// The connection survives a timeout: later calls work on it.
	var out []int
	if err := c.Call(context.Background(), "echo", []any{1}, &out); err != nil || conns.Load() != 1 {
		t.Fatalf("echo after timeout: %v (%d connections)", err, conns.Load())
	}
}

func TestCancelledContext(t *testing.T) {
	url, _ := server(t, false)
	c, _ := Dial(context.Background(), url, Options{})
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Call(ctx, "silent", nil, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call: %v", err)
	}
}

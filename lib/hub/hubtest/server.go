// Package hubtest is an in-process Hugging Face Hub for tests: it speaks the
// subset of the Hub's HTTP API that lib/hub uses (repo creation, pre-upload
// check, NDJSON commits, the Git LFS batch API with basic and multipart
// uploads, revision info, tree listing, resolve downloads with LFS redirects
// to a separate storage host), checks Authorization headers like the Hub, and
// injects faults (429/5xx with Retry-After, delays, truncated bodies).
//
// Request and response shapes follow the Hub's public clients
// (huggingface.js packages/hub, huggingface_hub's hf_api.py and _commit_api.py).
package hubtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a fake Hub plus a fake storage host for LFS objects.
type Server struct {
	URL        string // the Hub endpoint to give lib/hub
	StorageURL string // where LFS uploads and downloads are redirected
	Token      string // may read and write every repo
	ReadToken  string // may read every repo, write none

	// LFSThreshold: files at least this big (or whose sample holds a NUL
	// byte) are answered "lfs" by the pre-upload check. Default 10 MiB.
	LFSThreshold int64
	// MultipartChunk > 0 makes LFS objects bigger than it upload in parts.
	MultipartChunk int64
	// PageSize is the tree listing's page length (Link rel="next" for more).
	PageSize int

	hub, storage *httptest.Server

	mu       sync.Mutex
	repos    map[string]*repo  // "datasets/NS/NAME"
	objects  map[string][]byte // LFS store by sha256
	parts    map[string][][]byte
	faults   []*Fault
	requests []string // "METHOD /path" of every request, both hosts
	leaked   int      // requests that carried a token to storage
	seq      int
}

// Fault changes how matching requests are answered.
type Fault struct {
	Method string // "" matches every method
	Path   string // substring of the URL path; "" matches every path
	Times  int    // how many matching requests it hits; 0: all of them

	Status     int           // answer this status with a JSON error instead
	RetryAfter string        // Retry-After header with Status
	Delay      time.Duration // hold the answer this long (client timeouts)
	Truncate   int64         // >= 1: send only this many body bytes, then cut the connection
	DropLength bool          // with Truncate: no Content-Length, so the short body ends cleanly
	Stall      time.Duration // with Truncate: hold the connection open this long after the cut

	hits int
	srv  *Server
}

// New starts a Hub and a storage host that stop when the test ends.
func New(t testing.TB) *Server {
	s := &Server{
		Token:        "hf_test_write_" + randHex(12),
		ReadToken:    "hf_test_read_" + randHex(12),
		LFSThreshold: 10 << 20,
		PageSize:     1000,
		repos:        map[string]*repo{},
		objects:      map[string][]byte{},
		parts:        map[string][][]byte{},
	}
	s.hub = httptest.NewServer(s.wrap(http.HandlerFunc(s.serveHub)))
	s.storage = httptest.NewServer(s.wrap(http.HandlerFunc(s.serveStorage)))
	s.URL, s.StorageURL = s.hub.URL, s.storage.URL
	t.Cleanup(func() {
		s.hub.CloseClientConnections()
		s.storage.CloseClientConnections()
		s.hub.Close()
		s.storage.Close()
	})
	return s
}

func mustRead(r io.Reader) []byte {
	b, _ := io.ReadAll(r)
	return b
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Inject adds a fault; faults are tried in the order they were added.
func (s *Server) Inject(f Fault) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	fp := &f
	fp.srv = s
	s.faults = append(s.faults, fp)
	return fp
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// Hits is how many requests this fault has answered.
func (f *Fault) Hits() int {
	f.srv.mu.Lock()
	defer f.srv.mu.Unlock()
	return f.hits
}

// Requests counts requests whose "METHOD /path" contains substr.
func (s *Server) Requests(substr string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if strings.Contains(r, substr) {
			n++
		}
	}
	return n
}

// Log is every request seen so far, as "METHOD /path".
func (s *Server) Log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// TokenLeaks counts requests to the storage host that carried an
// Authorization header (the real storage refuses those; a client must not
// send its Hub token there).
func (s *Server) TokenLeaks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.leaked
}

// wrap logs the request and applies the first matching fault.
func (s *Server) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" "+r.URL.Path)
		var f *Fault
		for _, c := range s.faults {
			if (c.Method == "" || c.Method == r.Method) && strings.Contains(r.URL.Path, c.Path) && (c.Times == 0 || c.hits < c.Times) {
				c.hits++
				f = c
				break
			}
		}
		var fault Fault
		if f != nil {
			fault = *f
		}
		s.mu.Unlock()
		if f == nil {
			h.ServeHTTP(w, r)
			return
		}
		if fault.Delay > 0 {
			// With the body read, the server notices a client that gives up
			// and cancels r.Context(), so the delay ends with it.
			r.Body = io.NopCloser(bytes.NewReader(mustRead(r.Body)))
			select {
			case <-time.After(fault.Delay):
			case <-r.Context().Done():
				return
			}
		}
		if fault.Status != 0 {
			if fault.RetryAfter != "" {
				w.Header().Set("Retry-After", fault.RetryAfter)
			}
			writeError(w, fault.Status, "injected fault")
			return
		}
		if fault.Truncate > 0 {
			w = &truncWriter{ResponseWriter: w, left: fault.Truncate, dropLength: fault.DropLength}
		}
		h.ServeHTTP(w, r)
		if fault.Stall > 0 {
			if f, ok := w.(*truncWriter); ok {
				f.ResponseWriter.(http.Flusher).Flush()
			}
			select {
			case <-time.After(fault.Stall):
			case <-r.Context().Done():
			}
		}
	})
}

// truncWriter forwards only the first left bytes of a body. With the
// Content-Length the handler promised, the server then closes the
// connection, which the client sees as an unexpected EOF.
type truncWriter struct {
	http.ResponseWriter
	left       int64
	dropLength bool
	wrote      bool
}

func (t *truncWriter) WriteHeader(code int) {
	if t.dropLength {
		t.Header().Del("Content-Length")
	}
	t.wrote = true
	t.ResponseWriter.WriteHeader(code)
}

func (t *truncWriter) Write(p []byte) (int, error) {
	if !t.wrote {
		t.WriteHeader(http.StatusOK)
	}
	n := int64(len(p))
	if n > t.left {
		p = p[:t.left]
	}
	t.left -= int64(len(p))
	if len(p) > 0 {
		if _, err := t.ResponseWriter.Write(p); err != nil {
			return 0, err
		}
	}
	return int(n), nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// writeError answers like the Hub: a JSON {"error": …} and X-Error-Message.
func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("X-Error-Message", msg)
	w.Header().Set("X-Request-Id", "test-"+randHex(4))
	writeJSON(w, status, map[string]string{"error": msg})
}

// access is what a request's Authorization header allows.
type access int

const (
	anonymous access = iota
	reader
	writer
	badToken
)

func (s *Server) access(r *http.Request) access {
	h := r.Header.Get("Authorization")
	if h == "" {
		return anonymous
	}
	tok, ok := strings.CutPrefix(h, "Bearer ")
	switch {
	case !ok:
		return badToken
	case tok == s.Token:
		return writer
	case tok == s.ReadToken:
		return reader
	}
	return badToken
}

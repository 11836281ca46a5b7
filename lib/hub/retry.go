package hub

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// request is one Hub call; body is re-created for every attempt.
type request struct {
	op     string // for messages: "preupload alice/data"
	method string
	url    string
	header http.Header
	body   func() (io.ReadCloser, int64, error) // nil: no body
	noAuth bool                                 // presigned storage URLs get no token
}

func jsonBody(b []byte) func() (io.ReadCloser, int64, error) {
	return func() (io.ReadCloser, int64, error) {
		return io.NopCloser(bytes.NewReader(b)), int64(len(b)), nil
	}
}

// retryable reports whether an HTTP status is worth another try.
func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusRequestTimeout || status >= 500
}

// do sends req, retrying on 429/5xx and network errors with exponential
// backoff (Retry-After wins when the Hub sends it). A 2xx or 3xx response is
// returned open; any other status becomes an *APIError.
func (c *Client) do(ctx context.Context, req request) (*http.Response, error) {
	var last error
	attempts := c.opts.MaxRetries + 1
	if c.opts.MaxRetries < 0 {
		attempts = 1
	}
	for attempt := 0; attempt < attempts; attempt++ {
		var (
			wait    time.Duration
			hasWait bool
		)
		resp, err := c.send(ctx, req)
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			last = fmt.Errorf("hub: %s: %w", req.op, err)
		case resp.StatusCode < 400:
			return resp, nil
		case retryable(resp.StatusCode):
			last = c.apiError(req.op, resp)
			wait, hasWait = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
			resp.Body.Close()
		default:
			e := c.apiError(req.op, resp)
			resp.Body.Close()
			return nil, e
		}
		if attempt+1 == attempts {
			break
		}
		if err := c.backoff(ctx, attempt, wait, hasWait, last); err != nil {
			return nil, err
		}
	}
	return nil, &GiveUpError{Op: req.op, Attempts: attempts, Last: last}
}

// backoff waits before retry number attempt+1: Retry-After if the server
// gave one (0 included), else BaseDelay·2^attempt with jitter; both capped
// at MaxDelay.
func (c *Client) backoff(ctx context.Context, attempt int, retryAfter time.Duration, hasRetryAfter bool, why error) error {
	d := retryAfter
	if !hasRetryAfter {
		d = c.opts.BaseDelay << min(attempt, 20)
		d += time.Duration(rand.Int64N(int64(d)/4 + 1)) // spread clients that failed together
	}
	d = min(d, c.opts.MaxDelay)
	c.infof("%v; retrying in %v", why, d.Round(time.Millisecond))
	return c.sleep(ctx, d)
}

func (c *Client) send(ctx context.Context, req request) (*http.Response, error) {
	var body io.ReadCloser
	var size int64
	if req.body != nil {
		var err error
		if body, size, err = req.body(); err != nil {
			return nil, err
		}
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, req.url, body)
	if err != nil {
		if body != nil {
			body.Close()
		}
		return nil, err
	}
	if body != nil {
		hr.ContentLength = size
	}
	for k, v := range req.header {
		hr.Header[k] = v
	}
	hr.Header.Set("User-Agent", "ff-hub/1")
	// The token goes only to the Hub itself, never to storage it redirects to.
	if c.token != "" && !req.noAuth && strings.HasPrefix(req.url, c.endpoint+"/") {
		hr.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(hr)
	if err != nil {
		return nil, errors.New(c.redact(err.Error()))
	}
	return resp, nil
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 || n > 1<<31 {
			return 0, false
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// Package hub is a client for the Hugging Face Hub: it creates dataset repos,
// uploads files in one commit (inline or through Git LFS), resolves revisions
// and downloads files at an exact commit into a content-addressed cache. It
// also registers the hf:// input scheme so every binary can read rows from
// the Hub. Requests are retried with backoff on 429 and 5xx.
package hub

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/flock-off/ff/lib/app"
)

// DefaultEndpoint is the public Hub.
const DefaultEndpoint = "https://huggingface.co"

// Options configure a Client. The zero value talks to the public Hub (or
// $HF_ENDPOINT) with the token found in the environment or the Hugging Face
// CLI's token file, and caches downloads in $FF_CACHE or ~/.cache/ff.
type Options struct {
	Endpoint  string // base URL; "" means $HF_ENDPOINT, else DefaultEndpoint
	Token     string // access token; "" means: TokenFile, $HF_TOKEN, the CLI's stored token
	TokenFile string // file holding the token (--hf-token-file)
	RepoType  string // "dataset" (default) or "model"
	CacheDir  string // "" means $FF_CACHE, else the user cache dir + "/ff"

	MaxRetries int           // attempts after the first on 429/5xx/network errors; 0 means 5, <0 means none
	BaseDelay  time.Duration // first backoff delay; 0 means 1s (doubled each retry)
	MaxDelay   time.Duration // cap on one wait, Retry-After included; 0 means 60s
	Timeout    time.Duration // wait for response headers; 0 means 60s

	Log    *app.Log  // progress and retry notices; nil means silent
	Stderr io.Writer // where a progress bar is drawn (only on a terminal)

	HTTPClient *http.Client // nil means one built from Timeout

	sleep func(ctx context.Context, d time.Duration) error // tests record waits here
}

// Client talks to one Hub endpoint with one token.
type Client struct {
	endpoint string
	token    string
	repoType string
	cache    string
	opts     Options
	http     *http.Client
	sleep    func(ctx context.Context, d time.Duration) error
}

// NewClient resolves the endpoint, the token and the cache directory. A
// missing token is not an error: public repos can be read without one.
func NewClient(o Options) (*Client, error) {
	c := &Client{opts: o, repoType: o.RepoType}
	if c.repoType == "" {
		c.repoType = "dataset"
	}
	if c.repoType != "dataset" && c.repoType != "model" {
		return nil, fmt.Errorf("hub: repo type %q: want dataset or model", c.repoType)
	}
	c.endpoint = o.Endpoint
	if c.endpoint == "" {
		c.endpoint = os.Getenv("HF_ENDPOINT")
	}
	if c.endpoint == "" {
		c.endpoint = DefaultEndpoint
	}
	c.endpoint = strings.TrimRight(c.endpoint, "/")
	if !strings.HasPrefix(c.endpoint, "http://") && !strings.HasPrefix(c.endpoint, "https://") {
		return nil, app.Usagef("hub: endpoint %q: want an http:// or https:// URL", c.endpoint)
	}
	tok := o.Token
	if tok == "" {
		var err error
		if tok, err = LoadToken(o.TokenFile); err != nil {
			return nil, err
		}
	}
	c.token = tok
	c.cache = o.CacheDir
	if c.cache == "" {
		c.cache = DefaultCacheDir()
	}
	if o.MaxRetries == 0 {
		c.opts.MaxRetries = 5
	}
	if o.BaseDelay == 0 {
		c.opts.BaseDelay = time.Second
	}
	if o.MaxDelay == 0 {
		c.opts.MaxDelay = 60 * time.Second
	}
	if o.Timeout == 0 {
		c.opts.Timeout = 60 * time.Second
	}
	c.http = o.HTTPClient
	if c.http == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.ResponseHeaderTimeout = c.opts.Timeout
		c.http = &http.Client{Transport: tr, CheckRedirect: c.checkRedirect}
	}
	c.sleep = o.sleep
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	return c, nil
}

// checkRedirect follows up to 10 redirects and drops the token when one
// leaves the Hub (LFS downloads go to storage that must not see it; Go keeps
// the header for the same host name on another port).
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return fmt.Errorf("stopped after 10 redirects")
	}
	if !strings.HasPrefix(req.URL.String(), c.endpoint+"/") {
		req.Header.Del("Authorization")
	}
	return nil
}

// Endpoint is the Hub base URL the client talks to.
func (c *Client) Endpoint() string { return c.endpoint }

// HasToken reports whether a token was found (the token itself is never exposed).
func (c *Client) HasToken() bool { return c.token != "" }

// CacheDir is the root of the download cache.
func (c *Client) CacheDir() string { return c.cache }

// DefaultCacheDir is $FF_CACHE, else ~/.cache/ff (the user cache directory).
func DefaultCacheDir() string {
	if d := os.Getenv("FF_CACHE"); d != "" {
		return d
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "ff")
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *Client) infof(format string, args ...any) {
	if c.opts.Log != nil {
		c.opts.Log.Infof(format, args...)
	}
}

func (c *Client) progress(total int64, desc string) *app.Progress {
	if c.opts.Stderr == nil {
		return &app.Progress{}
	}
	l := c.opts.Log
	if l == nil { // RegisterInputs runs before flags are parsed: a bar, no talk
		l = app.NewLogTo(c.opts.Stderr, "ff", false, false)
	}
	return app.NewProgress(l, c.opts.Stderr, total, desc, true)
}

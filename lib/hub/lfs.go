package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/flock-off/ff/lib/app"
)

// lfsAction is one step the LFS batch answer asks for: a URL and headers.
type lfsAction struct {
	Href   string            `json:"href"`
	Header map[string]string `json:"header"`
}

type lfsObject struct {
	OID     string `json:"oid"`
	Size    int64  `json:"size"`
	Actions *struct {
		Upload *lfsAction `json:"upload"`
		Verify *lfsAction `json:"verify"`
	} `json:"actions"`
	Error *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// uploadLFS pushes the LFS files of todo through the Git LFS batch API: one
// batch call per 100 objects, then a PUT (or the Hub's multipart variant)
// per object the Hub does not have yet, then the verify call if asked.
func (c *Client) uploadLFS(ctx context.Context, repo, branch string, todo []*staged, bar *app.Progress) error {
	var lfs []*staged
	for _, s := range todo {
		if s.mode == "lfs" {
			lfs = append(lfs, s)
		}
	}
	for start := 0; start < len(lfs); start += 100 {
		chunk := lfs[start:min(start+100, len(lfs))]
		type obj struct {
			OID  string `json:"oid"`
			Size int64  `json:"size"`
		}
		req := map[string]any{
			"operation": "upload",
			"transfers": []string{"basic", "multipart"},
			"hash_algo": "sha_256",
			"ref":       map[string]string{"name": branch},
		}
		byOID := map[string]*staged{}
		var objs []obj
		for _, s := range chunk {
			byOID[s.sha256] = s
			objs = append(objs, obj{s.sha256, s.size})
		}
		req["objects"] = objs
		body, _ := json.Marshal(req)
		var ans struct {
			Objects []lfsObject `json:"objects"`
		}
		lfsType := "application/vnd.git-lfs+json"
		if err := c.doJSON(ctx, request{
			op: opName("LFS batch", repo), method: http.MethodPost, url: c.repoURL(repo) + ".git/info/lfs/objects/batch",
			header: http.Header{"Content-Type": {lfsType}, "Accept": {lfsType}}, body: jsonBody(body),
		}, &ans); err != nil {
			return err
		}
		for _, o := range ans.Objects {
			s := byOID[o.OID]
			if s == nil {
				return app.Failf("hub: LFS batch %s: the Hub answered for an object we did not send (%s)", repo, o.OID)
			}
			delete(byOID, o.OID)
			if o.Error != nil {
				return app.Failf("hub: LFS batch %s: %s: %d %s", repo, s.PathInRepo, o.Error.Code, o.Error.Message)
			}
			if o.Actions == nil || o.Actions.Upload == nil {
				bar.Add(s.size) // the Hub already stores this object
				continue
			}
			if err := c.lfsPut(ctx, repo, s, o.Actions.Upload, bar); err != nil {
				return err
			}
			if v := o.Actions.Verify; v != nil {
				vb, _ := json.Marshal(obj{s.sha256, s.size})
				resp, err := c.do(ctx, request{
					op: opName("LFS verify", repo, s.PathInRepo), method: http.MethodPost, url: v.Href,
					header: withHeaders(http.Header{"Content-Type": {lfsType}, "Accept": {lfsType}}, v.Header), body: jsonBody(vb),
				})
				if err != nil {
					return err
				}
				resp.Body.Close()
			}
		}
		if len(byOID) != 0 {
			return app.Failf("hub: LFS batch %s: the Hub did not answer for %d object(s)", repo, len(byOID))
		}
	}
	return nil
}

func withHeaders(h http.Header, extra map[string]string) http.Header {
	for k, v := range extra {
		h.Set(k, v)
	}
	return h
}

// lfsPut uploads one object: a single PUT, or, when the Hub gives a
// chunk_size, one PUT per numbered part and a completion POST with the ETags.
func (c *Client) lfsPut(ctx context.Context, repo string, s *staged, up *lfsAction, bar *app.Progress) error {
	op := opName("LFS upload", repo, s.PathInRepo)
	cs, multipart := up.Header["chunk_size"]
	if !multipart {
		resp, err := c.do(ctx, request{op: op, method: http.MethodPut, url: up.Href,
			header: withHeaders(http.Header{}, up.Header), body: c.sectionBody(s, 0, s.size, bar)})
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
	chunk, err := strconv.ParseInt(cs, 10, 64)
	if err != nil || chunk <= 0 {
		return app.Failf("hub: %s: bad chunk_size %q", op, cs)
	}
	var parts []string
	for k := range up.Header {
		if k != "" && strings.Trim(k, "0123456789") == "" {
			parts = append(parts, k)
		}
	}
	sort.Slice(parts, func(i, j int) bool { a, _ := strconv.Atoi(parts[i]); b, _ := strconv.Atoi(parts[j]); return a < b })
	if int64(len(parts)) != (s.size+chunk-1)/chunk {
		return app.Failf("hub: %s: the Hub asked for %d parts of %d bytes for %d bytes", op, len(parts), chunk, s.size)
	}
	type part struct {
		PartNumber int    `json:"partNumber"`
		ETag       string `json:"etag"`
	}
	done := struct {
		OID   string `json:"oid"`
		Parts []part `json:"parts"`
	}{OID: s.sha256}
	for i, k := range parts {
		n, _ := strconv.Atoi(k)
		off := int64(i) * chunk
		resp, err := c.do(ctx, request{op: fmt.Sprintf("%s part %d", op, n), method: http.MethodPut, url: up.Header[k],
			body: c.sectionBody(s, off, min(chunk, s.size-off), bar)})
		if err != nil {
			return err
		}
		etag := resp.Header.Get("ETag")
		resp.Body.Close()
		if etag == "" {
			return app.Failf("hub: %s part %d: storage answered no ETag", op, n)
		}
		done.Parts = append(done.Parts, part{n, etag})
	}
	body, _ := json.Marshal(done)
	lfsType := "application/vnd.git-lfs+json"
	resp, err := c.do(ctx, request{op: op + " (complete)", method: http.MethodPost, url: up.Href,
		header: http.Header{"Content-Type": {lfsType}, "Accept": {lfsType}}, body: jsonBody(body)})
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// sectionBody reads bytes [off, off+n) of a staged file for one attempt,
// counting them on the progress bar.
func (c *Client) sectionBody(s *staged, off, n int64, bar *app.Progress) func() (io.ReadCloser, int64, error) {
	return func() (io.ReadCloser, int64, error) {
		r, err := s.open()
		if err != nil {
			return nil, 0, err
		}
		if off > 0 {
			if _, err := io.CopyN(io.Discard, r, off); err != nil {
				r.Close()
				return nil, 0, err
			}
		}
		return &countingReader{r: io.LimitReader(r, n), c: r, bar: bar}, n, nil
	}
}

type countingReader struct {
	r   io.Reader
	c   io.Closer
	bar *app.Progress
}

func (cr *countingReader) Read(p []byte) (int, error) {
	n, err := cr.r.Read(p)
	cr.bar.Add(int64(n))
	return n, err
}

func (cr *countingReader) Close() error { return cr.c.Close() }

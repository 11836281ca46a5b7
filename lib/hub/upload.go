package hub

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/flock-off/ff/lib/app"
)

// File is one file of a commit: its path in the repo and its content, read
// from LocalPath or, when that is empty, taken from Content.
type File struct {
	PathInRepo string
	LocalPath  string
	Content    []byte
}

// CreateRepo creates the repo if it is missing; an existing repo is fine
// (created is then false). private applies only to a new repo.
func (c *Client) CreateRepo(ctx context.Context, repo string, private bool) (created bool, err error) {
	if err := CheckRepoID(repo); err != nil {
		return false, err
	}
	ns, name, _ := strings.Cut(repo, "/")
	body, _ := json.Marshal(map[string]any{"name": name, "organization": ns, "type": c.repoType, "private": private})
	resp, err := c.do(ctx, request{
		op: opName("create repo", repo), method: http.MethodPost, url: c.endpoint + "/api/repos/create",
		header: http.Header{"Content-Type": {"application/json"}}, body: jsonBody(body),
	})
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusConflict {
		return false, nil // already there
	}
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	return true, nil
}

// Publish creates the repo if it is missing (private if asked) and uploads
// files to it in one commit, returning the commit sha: what a miner commits on chain.
func (c *Client) Publish(ctx context.Context, repo string, private bool, files []File, msg string) (string, error) {
	created, err := c.CreateRepo(ctx, repo, private)
	if err != nil {
		return "", err
	}
	if created {
		c.infof("created %s repo %s", c.repoType, repo)
	}
	return c.UploadFiles(ctx, repo, files, msg)
}

// staged is a File with what the Hub needs to know about it.
type staged struct {
	File
	size   int64
	sample []byte // first 512 bytes, for the pre-upload check
	sha256 string // hex, the LFS object id
	gitOID string // hex sha1 of "blob SIZE\0" + content, the git blob id
	mode   string // "regular" or "lfs", from the pre-upload check
}

func (s *staged) open() (io.ReadCloser, error) {
	if s.LocalPath == "" {
		return io.NopCloser(bytes.NewReader(s.Content)), nil
	}
	return os.Open(s.LocalPath)
}

func stage(f File) (*staged, error) {
	if err := checkRepoPath(f.PathInRepo); err != nil {
		return nil, err
	}
	s := &staged{File: f}
	r, err := s.open()
	if err != nil {
		return nil, app.Failf("hub: %v", err)
	}
	defer r.Close()
	var size int64
	if f.LocalPath == "" {
		size = int64(len(f.Content))
	} else {
		st, err := r.(*os.File).Stat()
		if err != nil {
			return nil, app.Failf("hub: %v", err)
		}
		size = st.Size()
	}
	h256, h1 := sha256.New(), sha1.New()
	fmt.Fprintf(h1, "blob %d\x00", size)
	head := &headWriter{max: 512}
	n, err := io.Copy(io.MultiWriter(h256, h1, head), r)
	if err != nil {
		return nil, app.Failf("hub: read %s: %v", f.LocalPath, err)
	}
	if n != size {
		return nil, app.Failf("hub: %s changed while being read", f.LocalPath)
	}
	s.size, s.sample = size, head.buf
	s.sha256, s.gitOID = hex.EncodeToString(h256.Sum(nil)), hex.EncodeToString(h1.Sum(nil))
	return s, nil
}

type headWriter struct {
	buf []byte
	max int
}

func (h *headWriter) Write(p []byte) (int, error) {
	if room := h.max - len(h.buf); room > 0 {
		h.buf = append(h.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// UploadFiles puts files into the repo's main branch in one commit and
// returns the new commit sha. Files the Hub's pre-upload check marks as LFS
// go through the Git LFS batch API first; the rest travel inline, base64, in
// the commit's NDJSON. Files the Hub already holds unchanged are skipped; if
// nothing changed, the sha of main is returned.
func (c *Client) UploadFiles(ctx context.Context, repo string, files []File, msg string) (string, error) {
	if err := CheckRepoID(repo); err != nil {
		return "", err
	}
	if len(files) == 0 {
		return "", app.Usagef("hub: upload to %s: no files", repo)
	}
	seen := map[string]bool{}
	var all []*staged
	for _, f := range files {
		if seen[f.PathInRepo] {
			return "", app.Usagef("hub: upload to %s: %s given twice", repo, f.PathInRepo)
		}
		seen[f.PathInRepo] = true
		s, err := stage(f)
		if err != nil {
			return "", err
		}
		all = append(all, s)
	}
	const branch = "main"
	todo, err := c.preupload(ctx, repo, branch, all)
	if err != nil {
		return "", err
	}
	if len(todo) == 0 {
		c.infof("%s: every file is already on the Hub unchanged", repo)
		return c.ResolveRevision(ctx, repo, branch)
	}
	var total int64
	for _, s := range todo {
		total += s.size
	}
	bar := c.progress(total, "upload "+repo)
	defer bar.Finish()
	if err := c.uploadLFS(ctx, repo, branch, todo, bar); err != nil {
		return "", err
	}
	return c.commit(ctx, repo, branch, todo, msg, bar)
}

// preupload asks the Hub how each file must travel and drops the ones it
// already has or would ignore.
func (c *Client) preupload(ctx context.Context, repo, branch string, all []*staged) ([]*staged, error) {
	byPath := map[string]*staged{}
	var todo []*staged
	for start := 0; start < len(all); start += 100 {
		chunk := all[start:min(start+100, len(all))]
		type fileReq struct {
			Path   string `json:"path"`
			Size   int64  `json:"size"`
			Sample string `json:"sample"`
		}
		var req struct {
			Files []fileReq `json:"files"`
		}
		for _, s := range chunk {
			byPath[s.PathInRepo] = s
			req.Files = append(req.Files, fileReq{s.PathInRepo, s.size, base64.StdEncoding.EncodeToString(s.sample)})
		}
		body, _ := json.Marshal(req)
		var ans struct {
			Files []struct {
				Path         string `json:"path"`
				UploadMode   string `json:"uploadMode"`
				ShouldIgnore bool   `json:"shouldIgnore"`
				OID          string `json:"oid"`
			} `json:"files"`
		}
		if err := c.doJSON(ctx, request{
			op: opName("preupload", repo), method: http.MethodPost, url: c.apiURL(repo, "preupload", branch),
			header: http.Header{"Content-Type": {"application/json"}}, body: jsonBody(body),
		}, &ans); err != nil {
			return nil, err
		}
		answered := 0
		for _, f := range ans.Files {
			s := byPath[f.Path]
			if s == nil || s.mode != "" {
				continue
			}
			answered++
			switch {
			case f.ShouldIgnore:
				s.mode = "ignored"
				if c.opts.Log != nil {
					c.opts.Log.Warnf("hub: %s: the Hub ignores %s (its .gitignore); not uploaded", repo, s.PathInRepo)
				}
			case f.UploadMode != "lfs" && f.UploadMode != "regular":
				return nil, app.Failf("hub: preupload %s: unknown upload mode %q for %s", repo, f.UploadMode, f.Path)
			case f.UploadMode == "lfs" && f.OID == s.sha256, f.UploadMode == "regular" && f.OID == s.gitOID:
				s.mode = "unchanged"
			default:
				s.mode = f.UploadMode
				todo = append(todo, s)
			}
		}
		if answered != len(chunk) {
			return nil, app.Failf("hub: preupload %s: the Hub answered for %d of %d files", repo, answered, len(chunk))
		}
	}
	return todo, nil
}

// commitPayload is the NDJSON body of a commit: a header line with the
// message, then an lfsFile line (path, sha256, size) per LFS file and a file
// line (path, base64 content) per inline file. inline counts the inline bytes.
func commitPayload(todo []*staged, msg string) (body []byte, inline int64, err error) {
	if msg == "" {
		msg = "Upload with ff"
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf) // one value per line: NDJSON
	enc.Encode(map[string]any{"key": "header", "value": map[string]any{"summary": msg, "description": ""}})
	for _, s := range todo {
		if s.mode == "lfs" {
			enc.Encode(map[string]any{"key": "lfsFile", "value": map[string]any{
				"path": s.PathInRepo, "algo": "sha256", "oid": s.sha256, "size": s.size}})
			continue
		}
		r, err := s.open()
		if err != nil {
			return nil, 0, app.Failf("hub: %v", err)
		}
		data, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			return nil, 0, app.Failf("hub: read %s: %v", s.LocalPath, err)
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != s.sha256 {
			return nil, 0, app.Failf("hub: %s changed while being uploaded", s.PathInRepo)
		}
		inline += int64(len(data))
		enc.Encode(map[string]any{"key": "file", "value": map[string]any{
			"content": base64.StdEncoding.EncodeToString(data), "path": s.PathInRepo, "encoding": "base64"}})
	}
	return buf.Bytes(), inline, nil
}

// doJSON sends req and decodes a JSON answer into out.
func (c *Client) doJSON(ctx context.Context, req request, out any) error {
	if req.header == nil {
		req.header = http.Header{}
	}
	if req.header.Get("Accept") == "" {
		req.header.Set("Accept", "application/json")
	}
	resp, err := c.do(ctx, req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return app.Failf("hub: %s: bad answer from the Hub: %v", req.op, err)
	}
	return nil
}

// commit sends the NDJSON commit: a header line, then one line per file.
func (c *Client) commit(ctx context.Context, repo, branch string, todo []*staged, msg string, bar *app.Progress) (string, error) {
	body, inline, err := commitPayload(todo, msg)
	if err != nil {
		return "", err
	}
	var ans struct {
		CommitOID string `json:"commitOid"`
		CommitURL string `json:"commitUrl"`
	}
	if err := c.doJSON(ctx, request{
		op: opName("commit to", repo), method: http.MethodPost, url: c.apiURL(repo, "commit", branch),
		header: http.Header{"Content-Type": {"application/x-ndjson"}}, body: jsonBody(body),
	}, &ans); err != nil {
		return "", err
	}
	bar.Add(inline)
	if !isFullSHA(ans.CommitOID) {
		return "", app.Failf("hub: commit to %s: the Hub answered no commit id (got %q)", repo, ans.CommitOID)
	}
	c.infof("%s: committed %d file(s) as %s", repo, len(todo), ans.CommitOID)
	return ans.CommitOID, nil
}

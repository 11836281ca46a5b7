package hubtest

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
)

// segments splits the escaped URL path and unescapes each part, so a
// revision like refs%2Fpr%2F1 stays one segment.
func segments(r *http.Request) []string {
	parts := strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/")
	for i, p := range parts {
		if u, err := url.PathUnescape(p); err == nil {
			parts[i] = u
		}
	}
	return parts
}

func (s *Server) serveHub(w http.ResponseWriter, r *http.Request) {
	seg := segments(r)
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/repos/create":
		s.create(w, r)
	case len(seg) >= 5 && seg[0] == "api" && seg[1] == "datasets":
		id, op, rest := seg[2]+"/"+seg[3], seg[4], seg[5:]
		switch {
		case op == "preupload" && r.Method == http.MethodPost && len(rest) == 1:
			s.preupload(w, r, id, rest[0])
		case op == "commit" && r.Method == http.MethodPost && len(rest) == 1:
			s.commit(w, r, id, rest[0])
		case op == "revision" && r.Method == http.MethodGet && len(rest) == 1:
			s.revision(w, r, id, rest[0])
		case op == "tree" && r.Method == http.MethodGet && len(rest) >= 1:
			s.tree(w, r, id, rest[0], strings.Join(rest[1:], "/"))
		default:
			writeError(w, http.StatusNotFound, "no such endpoint")
		}
	case len(seg) == 7 && seg[0] == "datasets" && strings.HasSuffix(seg[2], ".git") &&
		strings.Join(seg[3:], "/") == "info/lfs/objects/batch" && r.Method == http.MethodPost:
		s.lfsBatch(w, r, seg[1]+"/"+strings.TrimSuffix(seg[2], ".git"))
	case len(seg) >= 6 && seg[0] == "datasets" && seg[3] == "resolve" && r.Method == http.MethodGet:
		s.resolveFile(w, r, seg[1]+"/"+seg[2], seg[4], strings.Join(seg[5:], "/"))
	case len(seg) == 2 && seg[0] == "lfs-verify" && r.Method == http.MethodPost:
		s.lfsVerify(w, r, seg[1])
	case len(seg) == 2 && seg[0] == "lfs-complete" && r.Method == http.MethodPost:
		s.lfsComplete(w, r, seg[1])
	default:
		writeError(w, http.StatusNotFound, "no such endpoint")
	}
}

// readable finds a repo the request may read; it answers and returns nil
// otherwise. Like the Hub, an anonymous caller cannot tell a private repo
// from a missing one (401), while a token holder gets 404 for a missing one.
func (s *Server) readable(w http.ResponseWriter, r *http.Request, id string) *repo {
	a := s.access(r)
	if a == badToken {
		writeError(w, http.StatusUnauthorized, "Invalid credentials in Authorization header")
		return nil
	}
	s.mu.Lock()
	rp := s.repos["datasets/"+id]
	s.mu.Unlock()
	switch {
	case a == anonymous && (rp == nil || rp.private):
		writeError(w, http.StatusUnauthorized, "Repository not found")
		return nil
	case rp == nil:
		writeError(w, http.StatusNotFound, "Repository not found")
		return nil
	}
	return rp
}

// writable is readable plus write access.
func (s *Server) writable(w http.ResponseWriter, r *http.Request, id string) *repo {
	switch s.access(r) {
	case anonymous, badToken:
		writeError(w, http.StatusUnauthorized, "Invalid credentials in Authorization header")
		return nil
	case reader:
		writeError(w, http.StatusForbidden, "You don't have the rights to write to "+id)
		return nil
	}
	return s.readable(w, r, id)
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name         string `json:"name"`
		Organization string `json:"organization"`
		Type         string `json:"type"`
		Private      bool   `json:"private"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Name == "" || req.Organization == "" {
		writeError(w, http.StatusBadRequest, "body must be JSON with name and organization")
		return
	}
	switch s.access(r) {
	case anonymous, badToken:
		writeError(w, http.StatusUnauthorized, "Invalid credentials in Authorization header")
		return
	case reader:
		writeError(w, http.StatusForbidden, "You don't have the rights to create a repo in "+req.Organization)
		return
	}
	if req.Type != "dataset" {
		writeError(w, http.StatusBadRequest, "this test Hub only holds dataset repos")
		return
	}
	id := req.Organization + "/" + req.Name
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.repos["datasets/"+id] != nil {
		writeJSON(w, http.StatusConflict, map[string]string{"error": "You already created this dataset repo", "url": s.URL + "/datasets/" + id})
		return
	}
	s.newRepo(id, req.Private)
	writeJSON(w, http.StatusOK, map[string]string{"url": s.URL + "/datasets/" + id, "name": id})
}

func (s *Server) preupload(w http.ResponseWriter, r *http.Request, id, rev string) {
	rp := s.writable(w, r, id)
	if rp == nil {
		return
	}
	var req struct {
		Files []struct {
			Path   string `json:"path"`
			Size   int64  `json:"size"`
			Sample string `json:"sample"`
		} `json:"files"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "bad JSON: "+err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, msg := rp.resolve(rev)
	if c == nil {
		writeError(w, http.StatusNotFound, msg)
		return
	}
	type answer struct {
		Path         string `json:"path"`
		UploadMode   string `json:"uploadMode"`
		ShouldIgnore bool   `json:"shouldIgnore"`
		OID          string `json:"oid,omitempty"`
	}
	var out struct {
		Files []answer `json:"files"`
	}
	for _, f := range req.Files {
		sample, err := base64.StdEncoding.DecodeString(f.Sample)
		if err != nil || len(sample) > 512 {
			writeError(w, http.StatusBadRequest, "sample must be base64 of at most 512 bytes")
			return
		}
		a := answer{Path: f.Path, UploadMode: "regular"}
		if f.Size >= s.LFSThreshold || bytes.IndexByte(sample, 0) >= 0 {
			a.UploadMode = "lfs"
		}
		if old := c.files[f.Path]; old != nil {
			// Like the Hub: the sha256 of a stored LFS file, the git blob id of a regular one.
			if old.lfs {
				a.OID = old.sha256
			} else {
				a.OID = old.gitOID
			}
		}
		out.Files = append(out.Files, a)
	}
	writeJSON(w, http.StatusOK, out)
}

func validPath(p string) bool {
	return p != "" && !strings.HasPrefix(p, "/") && path.Clean(p) == p && p != "." && !strings.HasPrefix(p, "..") && !strings.HasPrefix(p, ".git/")
}

// commit applies an NDJSON commit: a header line, then file, lfsFile and deletedFile lines.
func (s *Server) commit(w http.ResponseWriter, r *http.Request, id, branch string) {
	rp := s.writable(w, r, id)
	if rp == nil {
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-ndjson" {
		writeError(w, http.StatusBadRequest, "Content-Type must be application/x-ndjson, got "+ct)
		return
	}
	sc := bufio.NewScanner(r.Body)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<30)
	var summary string
	files := map[string]*file{}
	line := 0
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		line++
		var op struct {
			Key   string `json:"key"`
			Value struct {
				Summary  string `json:"summary"`
				Path     string `json:"path"`
				Content  string `json:"content"`
				Encoding string `json:"encoding"`
				Algo     string `json:"algo"`
				OID      string `json:"oid"`
				Size     *int64 `json:"size"`
			} `json:"value"`
		}
		if err := json.Unmarshal(sc.Bytes(), &op); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("line %d: %v", line, err))
			return
		}
		v := op.Value
		if line == 1 {
			if op.Key != "header" || v.Summary == "" {
				writeError(w, http.StatusBadRequest, "line 1 must be the header with a summary")
				return
			}
			summary = v.Summary
			continue
		}
		if !validPath(v.Path) {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("line %d: bad path %q", line, v.Path))
			return
		}
		switch op.Key {
		case "file":
			if v.Encoding != "base64" {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("line %d: encoding must be base64", line))
				return
			}
			b, err := base64.StdEncoding.DecodeString(v.Content)
			if err != nil {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("line %d: content: %v", line, err))
				return
			}
			files[v.Path] = regularFile(b)
		case "lfsFile":
			s.mu.Lock()
			obj, ok := s.objects[v.OID]
			s.mu.Unlock()
			if v.Algo != "sha256" || !ok || (v.Size != nil && *v.Size != int64(len(obj))) {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("line %d: LFS object %s of %s was not uploaded", line, v.OID, v.Path))
				return
			}
			files[v.Path] = lfsFile(v.OID, int64(len(obj)))
		case "deletedFile":
			files[v.Path] = nil
		default:
			writeError(w, http.StatusBadRequest, fmt.Sprintf("line %d: unknown key %q", line, op.Key))
			return
		}
	}
	if err := sc.Err(); err != nil || line == 0 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("reading the commit: %v", err))
		return
	}
	s.mu.Lock()
	if _, ok := rp.branches[branch]; !ok {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "Invalid rev id: "+branch)
		return
	}
	sha := s.addCommit(rp, branch, "", summary, files)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"success": true, "commitOid": sha, "commitUrl": s.URL + "/datasets/" + id + "/commit/" + sha, "hookOutput": "",
	})
}

func (s *Server) revision(w http.ResponseWriter, r *http.Request, id, rev string) {
	rp := s.readable(w, r, id)
	if rp == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, msg := rp.resolve(rev)
	if c == nil {
		writeError(w, http.StatusNotFound, msg)
		return
	}
	type sib struct {
		RFilename string `json:"rfilename"`
	}
	sibs := []sib{}
	for _, p := range sortedPaths(c.files) {
		sibs = append(sibs, sib{p})
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": rp.id, "sha": c.sha, "private": rp.private, "siblings": sibs})
}

func sortedPaths(m map[string]*file) []string {
	var ps []string
	for p := range m {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return ps
}

// tree lists files and directories under dir, a page at a time.
func (s *Server) tree(w http.ResponseWriter, r *http.Request, id, rev, dir string) {
	rp := s.readable(w, r, id)
	if rp == nil {
		return
	}
	s.mu.Lock()
	c, msg := rp.resolve(rev)
	if c == nil {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, msg)
		return
	}
	recursive := r.URL.Query().Get("recursive") == "true"
	prefix := ""
	if dir != "" {
		prefix = dir + "/"
	}
	type lfsInfo struct {
		OID         string `json:"oid"`
		Size        int64  `json:"size"`
		PointerSize int64  `json:"pointerSize"`
	}
	type entry struct {
		Type string   `json:"type"`
		OID  string   `json:"oid"`
		Size int64    `json:"size"`
		Path string   `json:"path"`
		LFS  *lfsInfo `json:"lfs,omitempty"`
	}
	var out []entry
	dirs := map[string]bool{}
	for _, p := range sortedPaths(c.files) {
		rest, ok := strings.CutPrefix(p, prefix)
		if !ok {
			continue
		}
		if i := strings.IndexByte(rest, '/'); i >= 0 && !recursive {
			if d := prefix + rest[:i]; !dirs[d] {
				dirs[d] = true
				out = append(out, entry{Type: "directory", OID: gitBlobID([]byte(d)), Path: d})
			}
			continue
		}
		f := c.files[p]
		e := entry{Type: "file", OID: f.gitOID, Size: f.size, Path: p}
		if f.lfs {
			e.LFS = &lfsInfo{OID: f.sha256, Size: f.size, PointerSize: f.ptrLen}
		}
		out = append(out, e)
	}
	s.mu.Unlock()
	if dir != "" && len(out) == 0 {
		writeError(w, http.StatusNotFound, "Entry not found")
		return
	}
	start, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
	start = min(max(start, 0), len(out))
	end := min(start+s.PageSize, len(out))
	if end < len(out) {
		q := r.URL.Query()
		q.Set("cursor", strconv.Itoa(end))
		w.Header().Set("Link", fmt.Sprintf(`<%s%s?%s>; rel="next"`, s.URL, r.URL.EscapedPath(), q.Encode()))
	}
	page := out[start:end]
	if page == nil {
		page = []entry{}
	}
	writeJSON(w, http.StatusOK, page)
}

// resolveFile serves a regular file itself and redirects an LFS file to storage.
func (s *Server) resolveFile(w http.ResponseWriter, r *http.Request, id, rev, p string) {
	rp := s.readable(w, r, id)
	if rp == nil {
		return
	}
	s.mu.Lock()
	c, msg := rp.resolve(rev)
	var f *file
	if c != nil {
		f = c.files[p]
	}
	s.mu.Unlock()
	if c == nil {
		writeError(w, http.StatusNotFound, msg)
		return
	}
	if f == nil {
		writeError(w, http.StatusNotFound, "Entry not found")
		return
	}
	w.Header().Set("X-Repo-Commit", c.sha)
	if f.lfs {
		w.Header().Set("X-Linked-Etag", `"`+f.sha256+`"`)
		w.Header().Set("X-Linked-Size", strconv.FormatInt(f.size, 10))
		w.Header().Set("ETag", `"`+f.sha256+`"`)
		http.Redirect(w, r, s.StorageURL+"/objects/"+f.sha256, http.StatusFound)
		return
	}
	w.Header().Set("ETag", `"`+f.gitOID+`"`)
	w.Header().Set("Content-Length", strconv.FormatInt(f.size, 10))
	w.Header().Set("Content-Type", "application/octet-stream")
	w.WriteHeader(http.StatusOK)
	io.Copy(w, bytes.NewReader(f.data))
}

package hubtest

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

const lfsJSON = "application/vnd.git-lfs+json"

// lfsBatch answers the Git LFS batch API: for each object the store lacks,
// an upload action (one PUT, or numbered part URLs and a chunk_size for
// multipart) and a verify action; objects it has get no actions.
func (s *Server) lfsBatch(w http.ResponseWriter, r *http.Request, id string) {
	if r.Header.Get("Accept") != lfsJSON || r.Header.Get("Content-Type") != lfsJSON {
		writeError(w, http.StatusNotAcceptable, "Accept and Content-Type must be "+lfsJSON)
		return
	}
	if s.writable(w, r, id) == nil {
		return
	}
	var req struct {
		Operation string   `json:"operation"`
		Transfers []string `json:"transfers"`
		HashAlgo  string   `json:"hash_algo"`
		Objects   []struct {
			OID  string `json:"oid"`
			Size int64  `json:"size"`
		} `json:"objects"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Operation != "upload" {
		writeError(w, http.StatusBadRequest, "want an upload batch")
		return
	}
	if req.HashAlgo != "sha_256" && req.HashAlgo != "sha256" {
		writeError(w, http.StatusBadRequest, "hash_algo must be sha_256")
		return
	}
	canMultipart := false
	for _, t := range req.Transfers {
		canMultipart = canMultipart || t == "multipart"
	}
	type action struct {
		Href   string            `json:"href"`
		Header map[string]string `json:"header,omitempty"`
	}
	type object struct {
		OID     string             `json:"oid"`
		Size    int64              `json:"size"`
		Actions map[string]*action `json:"actions,omitempty"`
		Error   map[string]any     `json:"error,omitempty"`
	}
	var out struct {
		Transfer string   `json:"transfer"`
		Objects  []object `json:"objects"`
	}
	out.Transfer = "basic"
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range req.Objects {
		obj := object{OID: o.OID, Size: o.Size}
		switch {
		case len(o.OID) != 64 || o.Size < 0:
			obj.Error = map[string]any{"code": 422, "message": "bad oid or size"}
		case s.objects[o.OID] != nil:
			// already stored: nothing to do
		case canMultipart && s.MultipartChunk > 0 && o.Size > s.MultipartChunk:
			out.Transfer = "multipart"
			h := map[string]string{"chunk_size": strconv.FormatInt(s.MultipartChunk, 10)}
			n := (o.Size + s.MultipartChunk - 1) / s.MultipartChunk
			for i := int64(1); i <= n; i++ {
				h[fmt.Sprintf("%05d", i)] = fmt.Sprintf("%s/parts/%s/%d", s.StorageURL, o.OID, i)
			}
			obj.Actions = map[string]*action{
				"upload": {Href: s.URL + "/lfs-complete/" + o.OID, Header: h},
				"verify": {Href: s.URL + "/lfs-verify/" + o.OID},
			}
		default:
			obj.Actions = map[string]*action{
				"upload": {Href: fmt.Sprintf("%s/uploads/%s?size=%d", s.StorageURL, o.OID, o.Size), Header: map[string]string{"X-Test-Upload": "1"}},
				"verify": {Href: s.URL + "/lfs-verify/" + o.OID},
			}
		}
		out.Objects = append(out.Objects, obj)
	}
	b, _ := json.Marshal(out)
	w.Header().Set("Content-Type", lfsJSON)
	w.Write(b)
}

// serveStorage is the object store LFS traffic is sent to. Like real
// storage behind presigned URLs, it refuses requests carrying a token.
func (s *Server) serveStorage(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "" {
		s.mu.Lock()
		s.leaked++
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, "storage takes no Authorization header: the URL is presigned")
		return
	}
	seg := segments(r)
	switch {
	case len(seg) == 2 && seg[0] == "uploads" && r.Method == http.MethodPut:
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		size, _ := strconv.ParseInt(r.URL.Query().Get("size"), 10, 64)
		if r.Header.Get("X-Test-Upload") != "1" {
			writeError(w, http.StatusForbidden, "the upload action's headers were not sent")
			return
		}
		if int64(len(body)) != size || sha256Hex(body) != seg[1] {
			writeError(w, http.StatusBadRequest, "content does not match its oid and size")
			return
		}
		s.mu.Lock()
		s.objects[seg[1]] = body
		s.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	case len(seg) == 3 && seg[0] == "parts" && r.Method == http.MethodPut:
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		n, err := strconv.Atoi(seg[2])
		if err != nil || n < 1 || n > 10000 {
			writeError(w, http.StatusBadRequest, "bad part number")
			return
		}
		s.mu.Lock()
		ps := s.parts[seg[1]]
		for len(ps) < n {
			ps = append(ps, nil)
		}
		ps[n-1] = body
		s.parts[seg[1]] = ps
		s.mu.Unlock()
		w.Header().Set("ETag", partETag(body))
		w.WriteHeader(http.StatusOK)
	case len(seg) == 2 && seg[0] == "objects" && r.Method == http.MethodGet:
		s.mu.Lock()
		obj, ok := s.objects[seg[1]]
		s.mu.Unlock()
		if !ok {
			writeError(w, http.StatusNotFound, "no such object")
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(obj)))
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(http.StatusOK)
		io.Copy(w, bytes.NewReader(obj))
	default:
		writeError(w, http.StatusNotFound, "no such storage endpoint")
	}
}

func partETag(b []byte) string {
	h := md5.Sum(b)
	return `"` + hex.EncodeToString(h[:]) + `"`
}

// lfsComplete joins the parts of a multipart upload, checking their ETags.
func (s *Server) lfsComplete(w http.ResponseWriter, r *http.Request, oid string) {
	var req struct {
		OID   string `json:"oid"`
		Parts []struct {
			PartNumber int    `json:"partNumber"`
			ETag       string `json:"etag"`
		} `json:"parts"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.OID != oid {
		writeError(w, http.StatusBadRequest, "want {oid, parts}")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ps := s.parts[oid]
	if len(req.Parts) != len(ps) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%d parts listed, %d uploaded", len(req.Parts), len(ps)))
		return
	}
	var all []byte
	for i, p := range req.Parts {
		if p.PartNumber != i+1 || ps[i] == nil || p.ETag != partETag(ps[i]) {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("part %d: missing or wrong ETag", i+1))
			return
		}
		all = append(all, ps[i]...)
	}
	if sha256Hex(all) != oid {
		writeError(w, http.StatusBadRequest, "joined parts do not match the oid")
		return
	}
	s.objects[oid] = all
	delete(s.parts, oid)
	w.WriteHeader(http.StatusOK)
}

// lfsVerify confirms an object arrived whole.
func (s *Server) lfsVerify(w http.ResponseWriter, r *http.Request, oid string) {
	if a := s.access(r); a != writer {
		writeError(w, http.StatusUnauthorized, "Invalid credentials in Authorization header")
		return
	}
	var req struct {
		OID  string `json:"oid"`
		Size int64  `json:"size"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.OID != oid {
		writeError(w, http.StatusBadRequest, "want {oid, size}")
		return
	}
	s.mu.Lock()
	obj, ok := s.objects[oid]
	s.mu.Unlock()
	if !ok || int64(len(obj)) != req.Size {
		writeError(w, http.StatusNotFound, "object not found or wrong size")
		return
	}
	w.WriteHeader(http.StatusOK)
}

package hubtest

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
)

type repo struct {
	id       string // NS/NAME
	private  bool
	branches map[string]string // name → commit sha
	commits  map[string]*commit
}

type commit struct {
	sha     string
	summary string
	parent  string
	files   map[string]*file
}

// file is one file of a commit; LFS files keep their content in the object store.
type file struct {
	lfs    bool
	data   []byte // regular files only
	size   int64
	sha256 string
	gitOID string // git blob id of the content, or of the LFS pointer
	ptrLen int64
}

func gitBlobID(b []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(b))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func lfsPointer(oid string, size int64) []byte {
	return []byte(fmt.Sprintf("version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n", oid, size))
}

func regularFile(b []byte) *file {
	return &file{data: b, size: int64(len(b)), sha256: sha256Hex(b), gitOID: gitBlobID(b)}
}

func lfsFile(oid string, size int64) *file {
	ptr := lfsPointer(oid, size)
	return &file{lfs: true, size: size, sha256: oid, gitOID: gitBlobID(ptr), ptrLen: int64(len(ptr))}
}

// newSHA makes a commit id; s.mu is held.
func (s *Server) newSHA(parts ...string) string {
	s.seq++
	h := sha1.New()
	fmt.Fprintf(h, "%d\x00%s", s.seq, strings.Join(parts, "\x00"))
	return hex.EncodeToString(h.Sum(nil))
}

// addCommit puts a commit on top of branch; s.mu is held.
func (s *Server) addCommit(r *repo, branch, sha, summary string, files map[string]*file) string {
	parent := r.branches[branch]
	all := map[string]*file{}
	if p := r.commits[parent]; p != nil {
		for k, v := range p.files {
			all[k] = v
		}
	}
	var ids []string
	for k, v := range files {
		if v == nil {
			delete(all, k)
		} else {
			all[k] = v
		}
		if v == nil {
			ids = append(ids, k+"=deleted")
		} else {
			ids = append(ids, k+"="+v.gitOID)
		}
	}
	sort.Strings(ids)
	if sha == "" {
		sha = s.newSHA(append([]string{r.id, parent}, ids...)...)
	}
	r.commits[sha] = &commit{sha: sha, summary: summary, parent: parent, files: all}
	r.branches[branch] = sha
	return sha
}

// newRepo creates a repo with the Hub's first commit (a .gitattributes); s.mu is held.
func (s *Server) newRepo(id string, private bool) *repo {
	r := &repo{id: id, private: private, branches: map[string]string{}, commits: map[string]*commit{}}
	s.repos["datasets/"+id] = r
	s.addCommit(r, "main", "", "initial commit", map[string]*file{".gitattributes": regularFile([]byte("*.parquet filter=lfs diff=lfs merge=lfs -text\n"))})
	return r
}

// Seed creates (or adds to) the dataset repo NS/NAME with one commit on main
// holding files and returns its sha. A non-empty sha names the commit
// (tests of short revisions pick colliding prefixes this way). Files of at
// least LFSThreshold bytes are stored as LFS objects.
func (s *Server) Seed(id string, private bool, sha string, files map[string][]byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos["datasets/"+id]
	if r == nil {
		r = s.newRepo(id, private)
	}
	fs := map[string]*file{}
	for p, b := range files {
		if int64(len(b)) >= s.LFSThreshold {
			oid := sha256Hex(b)
			s.objects[oid] = append([]byte(nil), b...)
			fs[p] = lfsFile(oid, int64(len(b)))
		} else {
			fs[p] = regularFile(append([]byte(nil), b...))
		}
	}
	return s.addCommit(r, "main", sha, "seed", fs)
}

// Head is the sha main points at ("" for a missing repo).
func (s *Server) Head(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.repos["datasets/"+id]; r != nil {
		return r.branches["main"]
	}
	return ""
}

// File returns a file's content at a commit, and whether it went through LFS.
func (s *Server) File(id, sha, path string) (data []byte, lfs bool, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos["datasets/"+id]
	if r == nil || r.commits[sha] == nil {
		return nil, false, false
	}
	f := r.commits[sha].files[path]
	if f == nil {
		return nil, false, false
	}
	if f.lfs {
		return s.objects[f.sha256], true, true
	}
	return f.data, false, true
}

// Message is the summary of a commit ("" if there is none).
func (s *Server) Message(id, sha string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.repos["datasets/"+id]; r != nil && r.commits[sha] != nil {
		return r.commits[sha].summary
	}
	return ""
}

// Private reports whether the repo exists and is private.
func (s *Server) Private(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos["datasets/"+id]
	return r != nil && r.private
}

// resolve finds a commit by branch, full sha or unique sha prefix (at
// least 4 characters); s.mu is held.
func (r *repo) resolve(rev string) (*commit, string) {
	if sha, ok := r.branches[rev]; ok {
		return r.commits[sha], ""
	}
	if c := r.commits[rev]; c != nil {
		return c, ""
	}
	if len(rev) < 4 {
		return nil, "Invalid rev id: " + rev
	}
	var found *commit
	for sha, c := range r.commits {
		if strings.HasPrefix(sha, rev) {
			if found != nil {
				return nil, "Ambiguous rev id: " + rev
			}
			found = c
		}
	}
	if found == nil {
		return nil, "Invalid rev id: " + rev
	}
	return found, ""
}

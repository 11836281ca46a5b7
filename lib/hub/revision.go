package hub

import (
	"context"
	"net/http"
	"strings"

	"github.com/flock-off/ff/lib/app"
)

// MinShortSHA is the shortest commit prefix accepted, as the reference
// validator requires: shorter ones collide too easily.
const MinShortSHA = 7

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f') {
			return false
		}
	}
	return s != ""
}

func isFullSHA(s string) bool { return len(s) == 40 && isHex(s) }

// CheckRevision refuses a revision the validator would refuse before asking
// the Hub: an empty one, or a commit prefix shorter than MinShortSHA.
// Branch and tag names (anything not all lowercase hex) pass.
func CheckRevision(rev string) error {
	switch {
	case rev == "":
		return app.Usagef("hub: empty revision")
	case isHex(rev) && len(rev) < MinShortSHA:
		return app.Usagef("hub: revision %q is shorter than %d characters: give the full commit sha (or at least %d of its characters)", rev, MinShortSHA, MinShortSHA)
	case len(rev) > 40 && isHex(rev):
		return app.Usagef("hub: revision %q is longer than a commit sha", rev)
	}
	return nil
}

// MatchesRevision is the validator's check: the full sha the Hub resolved
// must begin with the revision the miner committed (which must be at least
// MinShortSHA long). "main" does not match any sha.
func MatchesRevision(rev, sha string) bool {
	return len(rev) >= MinShortSHA && isHex(rev) && strings.HasPrefix(sha, rev)
}

// RepoInfo is what the Hub says about a repo at a revision.
type RepoInfo struct {
	ID       string `json:"id"`
	SHA      string `json:"sha"`
	Private  bool   `json:"private"`
	Siblings []struct {
		RFilename string `json:"rfilename"`
	} `json:"siblings"`
}

// Info asks the Hub about repo at rev (a branch, tag, full or short sha).
func (c *Client) Info(ctx context.Context, repo, rev string) (*RepoInfo, error) {
	if err := CheckRepoID(repo); err != nil {
		return nil, err
	}
	if err := CheckRevision(rev); err != nil {
		return nil, err
	}
	var info RepoInfo
	if err := c.doJSON(ctx, request{op: opName("revision", repo+"@"+rev), method: http.MethodGet,
		url: c.apiURL(repo, "revision", rev)}, &info); err != nil {
		return nil, err
	}
	if !isFullSHA(info.SHA) {
		return nil, app.Failf("hub: revision %s@%s: the Hub answered no commit sha (got %q)", repo, rev, info.SHA)
	}
	return &info, nil
}

// ResolveRevision turns rev into the full 40-character commit sha: a branch
// or tag ("main") to the commit it points at now; a short sha (at least
// MinShortSHA characters) to the one commit it is a prefix of, which the Hub
// finds only when it is unique.
func (c *Client) ResolveRevision(ctx context.Context, repo, rev string) (string, error) {
	if rev == "" {
		rev = "main"
	}
	info, err := c.Info(ctx, repo, rev)
	if err != nil {
		return "", err
	}
	if isHex(rev) && !strings.HasPrefix(info.SHA, rev) {
		return "", app.Failf("hub: revision %s@%s: the Hub resolved it to %s, which does not start with it", repo, rev, info.SHA)
	}
	return info.SHA, nil
}

// Entry is one file of a repo at a revision, as the Hub's tree lists it.
type Entry struct {
	Type string `json:"type"` // "file" or "directory"
	Path string `json:"path"`
	Size int64  `json:"size"`
	OID  string `json:"oid"` // git blob id (sha1 of "blob SIZE\0" + content)
	LFS  *struct {
		OID         string `json:"oid"` // sha256 of the content
		Size        int64  `json:"size"`
		PointerSize int64  `json:"pointerSize"`
	} `json:"lfs,omitempty"`
}

// SHA256 is the content's sha256 when the Hub gives it (LFS files), else "".
func (e *Entry) SHA256() string {
	if e.LFS != nil {
		return e.LFS.OID
	}
	return ""
}

// ContentSize is the size of the file's content (for LFS files, of the object).
func (e *Entry) ContentSize() int64 {
	if e.LFS != nil {
		return e.LFS.Size
	}
	return e.Size
}

// ListFiles lists the files under dir ("" for the root) at rev, following
// the Hub's pagination (Link: <…>; rel="next").
func (c *Client) ListFiles(ctx context.Context, repo, rev, dir string, recursive bool) ([]Entry, error) {
	if err := CheckRepoID(repo); err != nil {
		return nil, err
	}
	if err := CheckRevision(rev); err != nil {
		return nil, err
	}
	u := c.apiURL(repo, "tree", rev)
	if dir != "" {
		if err := checkRepoPath(dir); err != nil {
			return nil, err
		}
		u += "/" + escapePath(dir)
	}
	if recursive {
		u += "?recursive=true"
	} else {
		u += "?recursive=false"
	}
	var out []Entry
	for pages := 0; u != ""; pages++ {
		if pages > 10000 {
			return nil, app.Failf("hub: list %s@%s: too many pages", repo, rev)
		}
		resp, err := c.do(ctx, request{op: opName("list", repo+"@"+rev), method: http.MethodGet, url: u,
			header: http.Header{"Accept": {"application/json"}}})
		if err != nil {
			return nil, err
		}
		var page []Entry
		err = decodeJSON(resp, &page)
		if err != nil {
			return nil, app.Failf("hub: list %s@%s: bad answer from the Hub: %v", repo, rev, err)
		}
		out = append(out, page...)
		u = nextLink(resp.Header.Get("Link"))
		if u != "" && !strings.HasPrefix(u, c.endpoint+"/") {
			return nil, app.Failf("hub: list %s@%s: next page %q is not on %s", repo, rev, u, c.endpoint)
		}
	}
	return out, nil
}

// nextLink finds the rel="next" URL of a Link header (RFC 8288).
func nextLink(h string) string {
	for _, part := range strings.Split(h, ",") {
		part = strings.TrimSpace(part)
		lt, gt := strings.IndexByte(part, '<'), strings.IndexByte(part, '>')
		if lt != 0 || gt < 0 {
			continue
		}
		for _, p := range strings.Split(part[gt+1:], ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "rel") {
				for _, r := range strings.Fields(strings.Trim(strings.TrimSpace(v), `"`)) {
					if r == "next" {
						return part[1:gt]
					}
				}
			}
		}
	}
	return ""
}

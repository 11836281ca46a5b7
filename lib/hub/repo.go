package hub

import (
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/flock-off/ff/lib/app"
)

// CheckRepoID accepts "NAMESPACE/NAME" as the Hub spells repo ids.
func CheckRepoID(repo string) error {
	ns, name, ok := strings.Cut(repo, "/")
	if !ok || !validRepoPart(ns) || !validRepoPart(name) || len(repo) > 96 {
		return app.Usagef("hub: repo %q: want NAMESPACE/NAME (letters, digits, '-', '_', '.')", repo)
	}
	return nil
}

func validRepoPart(s string) bool {
	if s == "" || s[0] == '-' || s[0] == '.' || strings.Contains(s, "..") || strings.Contains(s, "--") {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// checkRepoPath accepts a relative, clean path inside a repo.
func checkRepoPath(p string) error {
	if p == "" || strings.HasPrefix(p, "/") || path.Clean(p) != p || p == "." || strings.HasPrefix(p, "../") || p == ".." || strings.Contains(p, "\\") {
		return app.Usagef("hub: path in repo %q: want a relative path like data.jsonl or dir/file.jsonl", p)
	}
	if p == ".git" || strings.HasPrefix(p, ".git/") {
		return app.Usagef("hub: path in repo %q: .git is reserved", p)
	}
	return nil
}

// apiURL is {endpoint}/api/{type}s/{repo}/{parts…} with each part escaped.
func (c *Client) apiURL(repo string, parts ...string) string {
	return c.endpoint + "/api/" + c.repoType + "s/" + repo + joinEscaped(parts)
}

// repoURL is the repo's web/git root: {endpoint}/datasets/{repo} or, for
// models, {endpoint}/{repo}.
func (c *Client) repoURL(repo string) string {
	if c.repoType == "model" {
		return c.endpoint + "/" + repo
	}
	return c.endpoint + "/" + c.repoType + "s/" + repo
}

// resolveURL downloads path at rev: {repoURL}/resolve/{rev}/{path}.
func (c *Client) resolveURL(repo, rev, p string) string {
	return c.repoURL(repo) + "/resolve/" + url.PathEscape(rev) + "/" + escapePath(p)
}

func joinEscaped(parts []string) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString("/")
		b.WriteString(url.PathEscape(p))
	}
	return b.String()
}

// escapePath escapes each segment of a slash-separated path.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

func opName(verb, repo string, extra ...string) string {
	s := fmt.Sprintf("%s %s", verb, repo)
	for _, e := range extra {
		s += " " + e
	}
	return s
}

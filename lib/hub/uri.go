package hub

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/record"
)

// Scheme is the input prefix RegisterInputs teaches lib/record.
const Scheme = "hf://"

// DefaultFile is the file a dataset repo holds its rows in (the reference
// subnet reads data.jsonl) and what hf://NAMESPACE/NAME@REVISION means.
const DefaultFile = "data.jsonl"

// URI is a parsed hf:// input.
type URI struct {
	Repo     string // NAMESPACE/NAME
	Revision string // branch, tag or (short) sha; "main" when not given
	Path     string // file in the repo
}

// ParseURI reads hf://datasets/NAMESPACE/NAME@REVISION/PATH or the short
// hf://NAMESPACE/NAME@REVISION (its data.jsonl). The revision may be left
// out (main) and may be percent-encoded if it holds a slash (refs%2Fpr%2F1).
func ParseURI(s string) (URI, error) {
	rest, ok := strings.CutPrefix(s, Scheme)
	if !ok {
		return URI{}, app.Usagef("%s: not an %s URI", s, Scheme)
	}
	bad := func(why string) (URI, error) {
		return URI{}, app.Usagef("%s: %s (want hf://datasets/NAMESPACE/NAME@REVISION/PATH or hf://NAMESPACE/NAME@REVISION)", s, why)
	}
	if r, ok := strings.CutPrefix(rest, "datasets/"); ok {
		rest = r
	} else if strings.HasPrefix(rest, "models/") || strings.HasPrefix(rest, "spaces/") {
		return bad("only dataset repos hold rows")
	}
	ns, rest, ok := strings.Cut(rest, "/")
	if !ok {
		return bad("no repo name")
	}
	// The name ends at '@' (a revision follows) or at the next '/' (a path).
	var name, rev, p string
	if i := strings.IndexAny(rest, "@/"); i < 0 {
		name = rest
	} else if rest[i] == '/' {
		name, p = rest[:i], rest[i+1:]
	} else {
		name = rest[:i]
		rev, p, _ = strings.Cut(rest[i+1:], "/")
		if rev == "" {
			return bad("empty revision after @")
		}
		dec, err := url.PathUnescape(rev)
		if err != nil {
			return bad("bad revision escape")
		}
		rev = dec
	}
	u := URI{Repo: ns + "/" + name, Revision: rev, Path: p}
	if u.Revision == "" {
		u.Revision = "main"
	}
	if u.Path == "" {
		u.Path = DefaultFile
	}
	if err := CheckRepoID(u.Repo); err != nil {
		return bad("bad repo name " + u.Repo)
	}
	if err := CheckRevision(u.Revision); err != nil {
		return URI{}, app.Usagef("%s: %v", s, err)
	}
	if err := checkRepoPath(u.Path); err != nil {
		return bad("bad path " + u.Path)
	}
	return u, nil
}

// String writes the URI back in its long form.
func (u URI) String() string {
	rev := u.Revision
	if strings.Contains(rev, "/") {
		rev = url.PathEscape(rev)
	}
	return Scheme + "datasets/" + u.Repo + "@" + rev + "/" + u.Path
}

// RegisterInputs makes every record.Open in this process accept hf:// paths:
// each is downloaded (or found in the cache) with a client built from opts
// on first use, and read from the local copy. Call it once in a binary's
// Main; the token and endpoint come from opts or the environment.
func RegisterInputs(opts Options) {
	var (
		once   sync.Once
		client *Client
		err    error
	)
	record.RegisterScheme(Scheme, func(ctx context.Context, s string) (string, error) {
		u, perr := ParseURI(s)
		if perr != nil {
			return "", perr
		}
		once.Do(func() { client, err = NewClient(opts) })
		if err != nil {
			return "", err
		}
		local, err := client.Download(ctx, u.Repo, u.Revision, u.Path)
		if err != nil {
			return "", fmt.Errorf("%s: %w", s, err) // %w keeps the exit code
		}
		return local, nil
	})
}

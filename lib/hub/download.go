package hub

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/flock-off/ff/lib/app"
)

// The cache under CacheDir()/hub:
//
//	blobs/sha256/HEX                          file contents, named by their sha256
//	snapshots/{type}s/NS/NAME/COMMIT/PATH     hard links to blobs, one per file at a commit
//
// A blob appears only by an atomic rename after its size and hashes were
// checked, so a file under blobs/ or snapshots/ is always complete; partial
// downloads are dot-files ending in .part that nothing else reads.

func decodeJSON(resp *http.Response, out any) error {
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(out)
}

func (c *Client) blobDir() string { return filepath.Join(c.cache, "hub", "blobs", "sha256") }

func (c *Client) snapshotPath(repo, sha, p string) string {
	return filepath.Join(c.cache, "hub", "snapshots", c.repoType+"s", filepath.FromSlash(repo), sha, filepath.FromSlash(p))
}

// Download fetches the file p of repo at rev into the cache, unless it is
// there already, and returns its local path. rev is resolved to a full sha
// first; a full sha already in the cache needs no network at all. The size,
// the sha256 (for LFS files) and the git blob id (for regular files) are
// checked against what the Hub lists; a download that comes short or wrong
// is retried and never cached.
func (c *Client) Download(ctx context.Context, repo, rev, p string) (string, error) {
	if err := CheckRepoID(repo); err != nil {
		return "", err
	}
	if err := checkRepoPath(p); err != nil {
		return "", err
	}
	if rev == "" {
		rev = "main"
	}
	if isFullSHA(rev) {
		if snap := c.snapshotPath(repo, rev, p); fileExists(snap) {
			return snap, nil
		}
	}
	sha, err := c.ResolveRevision(ctx, repo, rev)
	if err != nil {
		return "", err
	}
	snap := c.snapshotPath(repo, sha, p)
	if fileExists(snap) {
		return snap, nil
	}
	e, err := c.entry(ctx, repo, sha, p)
	if err != nil {
		return "", err
	}
	blob := ""
	if sum := e.SHA256(); sum != "" && isSHA256(sum) {
		if b := filepath.Join(c.blobDir(), sum); sizeIs(b, e.ContentSize()) {
			blob = b // same content already fetched for another repo or commit
		}
	}
	if blob == "" {
		if blob, err = c.fetch(ctx, repo, sha, e); err != nil {
			return "", err
		}
	}
	return c.link(blob, snap), nil
}

// entry finds p in the listing of its directory at sha.
func (c *Client) entry(ctx context.Context, repo, sha, p string) (*Entry, error) {
	dir := path.Dir(p)
	if dir == "." {
		dir = ""
	}
	list, err := c.ListFiles(ctx, repo, sha, dir, false)
	if err != nil {
		return nil, err
	}
	var names []string
	for i := range list {
		if list[i].Path == p && list[i].Type == "file" {
			return &list[i], nil
		}
		if list[i].Type == "file" && len(names) < 10 {
			names = append(names, list[i].Path)
		}
	}
	return nil, &APIError{Op: opName("download", repo+"@"+sha[:12], p), Status: http.StatusNotFound,
		Message: fmt.Sprintf("no such file (files there: %s)", strings.Join(names, ", "))}
}

// errRetry marks a download failure worth another try (a short or damaged body).
type errRetry struct{ error }

// fetch downloads e into the blob store, retrying short or damaged bodies.
func (c *Client) fetch(ctx context.Context, repo, sha string, e *Entry) (string, error) {
	if err := os.MkdirAll(c.blobDir(), 0o755); err != nil {
		return "", app.Failf("hub: cache: %v", err)
	}
	removeStale(c.blobDir())
	op := opName("download", repo+"@"+sha[:12], e.Path)
	attempts := c.opts.MaxRetries + 1
	if c.opts.MaxRetries < 0 {
		attempts = 1
	}
	var last error
	for attempt := 0; attempt < attempts; attempt++ {
		blob, err := c.fetchOnce(ctx, op, repo, sha, e)
		if err == nil {
			return blob, nil
		}
		var r errRetry
		if !errors.As(err, &r) {
			return "", err
		}
		last = r.error
		if attempt+1 < attempts {
			if err := c.backoff(ctx, attempt, 0, false, last); err != nil {
				return "", err
			}
		}
	}
	return "", &GiveUpError{Op: op, Attempts: attempts, Last: last}
}

func (c *Client) fetchOnce(ctx context.Context, op, repo, sha string, e *Entry) (string, error) {
	// A body that stops flowing for Timeout is abandoned (and retried):
	// the watchdog cancels this attempt's context, not the caller's.
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	resp, err := c.do(actx, request{op: op, method: http.MethodGet, url: c.resolveURL(repo, sha, e.Path)})
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body := newIdleReader(resp.Body, c.opts.Timeout, cancel)
	defer body.stop()
	if got := resp.Header.Get("X-Repo-Commit"); got != "" && got != sha {
		return "", app.Failf("hub: %s: the Hub served commit %s instead", op, got)
	}
	want := e.ContentSize()
	tmp, err := os.CreateTemp(c.blobDir(), ".dl-*.part")
	if err != nil {
		return "", app.Failf("hub: cache: %v", err)
	}
	keep := false
	defer func() {
		if !keep {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h256 := sha256.New()
	var h1 hash.Hash
	if e.LFS == nil {
		h1 = sha1.New()
		fmt.Fprintf(h1, "blob %d\x00", want)
	}
	ws := []io.Writer{tmp, h256}
	if h1 != nil {
		ws = append(ws, h1)
	}
	bar := c.progress(want, "download "+e.Path)
	// Read one byte past the expected size so an overlong body is caught too.
	n, err := io.Copy(io.MultiWriter(ws...), io.TeeReader(io.LimitReader(body, want+1), progressWriter{bar}))
	bar.Finish()
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if body.fired() {
			err = fmt.Errorf("no data for %v", c.opts.Timeout)
		}
		return "", errRetry{fmt.Errorf("hub: %s: %w after %d of %d bytes", op, err, n, want)}
	}
	if n != want {
		return "", errRetry{fmt.Errorf("hub: %s: truncated or wrong size: got %d bytes, the Hub lists %d", op, n, want)}
	}
	sum := hex.EncodeToString(h256.Sum(nil))
	if w := e.SHA256(); w != "" && w != sum {
		return "", errRetry{fmt.Errorf("hub: %s: sha256 %s, the Hub lists %s", op, sum, w)}
	}
	if h1 != nil && e.OID != "" {
		if got := hex.EncodeToString(h1.Sum(nil)); got != e.OID {
			return "", errRetry{fmt.Errorf("hub: %s: git blob id %s, the Hub lists %s", op, got, e.OID)}
		}
	}
	if err := tmp.Sync(); err != nil {
		return "", app.Failf("hub: cache: %v", err)
	}
	if err := tmp.Close(); err != nil {
		return "", app.Failf("hub: cache: %v", err)
	}
	// Read-only: snapshots are hard links to the blob, so an edit through
	// one would silently change every commit that shares the content.
	if err := os.Chmod(tmp.Name(), 0o444); err != nil {
		return "", app.Failf("hub: cache: %v", err)
	}
	blob := filepath.Join(c.blobDir(), sum)
	// Concurrent downloads of one file each rename their own complete copy
	// over the same name; rename is atomic, so readers see one or the other.
	if err := os.Rename(tmp.Name(), blob); err != nil {
		return "", app.Failf("hub: cache: %v", err)
	}
	keep = true
	return blob, nil
}

// idleReader calls cancel when no Read returns data for d.
type idleReader struct {
	r        io.Reader
	d        time.Duration
	t        *time.Timer
	mu       sync.Mutex
	timedOut bool
}

func newIdleReader(r io.Reader, d time.Duration, cancel func()) *idleReader {
	ir := &idleReader{r: r, d: d}
	ir.t = time.AfterFunc(d, func() {
		ir.mu.Lock()
		ir.timedOut = true
		ir.mu.Unlock()
		cancel()
	})
	return ir
}

func (ir *idleReader) Read(p []byte) (int, error) {
	n, err := ir.r.Read(p)
	if n > 0 {
		ir.t.Reset(ir.d)
	}
	return n, err
}

func (ir *idleReader) stop() { ir.t.Stop() }

func (ir *idleReader) fired() bool {
	ir.mu.Lock()
	defer ir.mu.Unlock()
	return ir.timedOut
}

type progressWriter struct{ bar *app.Progress }

func (p progressWriter) Write(b []byte) (int, error) { p.bar.Add(int64(len(b))); return len(b), nil }

// link makes snap a hard link to blob (atomically, through a temporary name)
// and returns snap; where links are impossible the blob itself is returned.
func (c *Client) link(blob, snap string) string {
	if err := os.MkdirAll(filepath.Dir(snap), 0o755); err != nil {
		return blob
	}
	tmp := fmt.Sprintf("%s.%d.%d.link", filepath.Join(filepath.Dir(snap), "."+filepath.Base(snap)), os.Getpid(), time.Now().UnixNano())
	if err := os.Link(blob, tmp); err != nil {
		return blob
	}
	err := os.Rename(tmp, snap)
	// When snap is already a link to the same blob, rename succeeds without
	// removing tmp (POSIX), so tmp is removed in every case.
	os.Remove(tmp)
	if err != nil {
		return blob
	}
	return snap
}

// removeStale deletes partial downloads a killed process left a day ago or more.
func removeStale(dir string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, de := range ents {
		if !strings.HasPrefix(de.Name(), ".dl-") {
			continue
		}
		if fi, err := de.Info(); err == nil && time.Since(fi.ModTime()) > 24*time.Hour {
			os.Remove(filepath.Join(dir, de.Name()))
		}
	}
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

func sizeIs(p string, n int64) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Size() == n
}

func isSHA256(s string) bool { return len(s) == 64 && isHex(s) }

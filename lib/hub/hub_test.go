package hub

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/hub/hubtest"
)

// waits records the backoff delays a client asked for instead of sleeping.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.d = append(w.d, d)
	w.mu.Unlock()
	return ctx.Err()
}

func (w *waits) all() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}

func newClient(t *testing.T, srv *hubtest.Server, token string, w *waits) *Client {
	t.Helper()
	if w == nil {
		w = &waits{}
	}
	c, err := NewClient(Options{
		Endpoint: srv.URL, Token: token, CacheDir: t.TempDir(),
		MaxRetries: 3, BaseDelay: time.Millisecond, Timeout: 2 * time.Second,
		sleep: w.sleep,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func jsonl(rows int) []byte {
	var b bytes.Buffer
	for i := range rows {
		b.WriteString(`{"system":null,"conversations":[{"role":"user","content":"q` + strings.Repeat("x", i%7) + `"},{"role":"assistant","content":"a"}]}` + "\n")
	}
	return b.Bytes()
}

func TestUploadThenDownloadIdentical(t *testing.T) {
	cases := []struct {
		name      string
		threshold int64
		multipart int64
		data      []byte
		wantLFS   bool
	}{
		{"inline", 1 << 20, 0, jsonl(50), false},
		{"lfs", 1024, 0, jsonl(200), true},
		{"lfs binary sample", 1 << 20, 0, append([]byte{0}, randomBytes(3000)...), true},
		{"lfs multipart", 1024, 4096, randomBytes(10_000), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := hubtest.New(t)
			srv.LFSThreshold, srv.MultipartChunk = tc.threshold, tc.multipart
			c := newClient(t, srv, srv.Token, nil)
			ctx := context.Background()
			local := filepath.Join(t.TempDir(), "data.jsonl")
			if err := os.WriteFile(local, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			sha, err := c.Publish(ctx, "alice/off-data", true, []File{{PathInRepo: "data.jsonl", LocalPath: local}}, "ff test upload")
			if err != nil {
				t.Fatal(err)
			}
			if sha != srv.Head("alice/off-data") || !isFullSHA(sha) {
				t.Fatalf("commit sha %q, Hub head %q", sha, srv.Head("alice/off-data"))
			}
			if got := srv.Message("alice/off-data", sha); got != "ff test upload" {
				t.Errorf("commit message %q", got)
			}
			if !srv.Private("alice/off-data") {
				t.Error("repo was not created private")
			}
			stored, lfs, ok := srv.File("alice/off-data", sha, "data.jsonl")
			if !ok || lfs != tc.wantLFS || !bytes.Equal(stored, tc.data) {
				t.Fatalf("Hub holds ok=%v lfs=%v equal=%v; want lfs=%v", ok, lfs, bytes.Equal(stored, tc.data), tc.wantLFS)
			}
			if tc.multipart > 0 && srv.Requests("PUT /parts/") != 3 {
				t.Errorf("multipart: %d part uploads, want 3", srv.Requests("PUT /parts/"))
			}
			// A second client with an empty cache reads it back at the short sha.
			d := newClient(t, srv, srv.Token, nil)
			path, err := d.Download(ctx, "alice/off-data", sha[:7], "data.jsonl")
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(got, tc.data) {
				t.Fatalf("downloaded %d bytes (err %v), uploaded %d; equal=%v", len(got), err, len(tc.data), bytes.Equal(got, tc.data))
			}
			if n := srv.TokenLeaks(); n != 0 {
				t.Errorf("the token was sent to storage %d times", n)
			}
		})
	}
}

func TestUploadUnchangedMakesNoCommit(t *testing.T) {
	srv := hubtest.New(t)
	c := newClient(t, srv, srv.Token, nil)
	ctx := context.Background()
	files := []File{{PathInRepo: "data.jsonl", Content: jsonl(5)}}
	first, err := c.Publish(ctx, "alice/d", false, files, "one")
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.Publish(ctx, "alice/d", false, files, "two")
	if err != nil {
		t.Fatal(err)
	}
	if first != second || srv.Requests("/commit/") != 1 {
		t.Fatalf("re-upload of the same bytes: %s then %s, %d commits", first, second, srv.Requests("/commit/"))
	}
	third, err := c.UploadFiles(ctx, "alice/d", []File{{PathInRepo: "data.jsonl", Content: jsonl(6)}}, "three")
	if err != nil || third == first {
		t.Fatalf("changed file: sha %s (first %s), err %v", third, first, err)
	}
}

func TestRetriesThenGiveUpExit3(t *testing.T) {
	srv := hubtest.New(t)
	srv.Seed("alice/d", false, "", map[string][]byte{"data.jsonl": jsonl(3)})
	f := srv.Inject(hubtest.Fault{Path: "/revision/", Status: 503})
	w := &waits{}
	c := newClient(t, srv, srv.Token, w)
	_, err := c.ResolveRevision(context.Background(), "alice/d", "main")
	var gu *GiveUpError
	if !errors.As(err, &gu) || gu.Attempts != 4 {
		t.Fatalf("err = %v, want a GiveUpError after 4 attempts", err)
	}
	if app.CodeOf(err) != app.Failure {
		t.Errorf("exit code %d, want %d", app.CodeOf(err), app.Failure)
	}
	if f.Hits() != 4 || len(w.all()) != 3 {
		t.Errorf("%d requests and %d waits; want 4 and 3", f.Hits(), len(w.all()))
	}
	// Backoff grows.
	if d := w.all(); !(d[0] < d[1] && d[1] < d[2]) {
		t.Errorf("waits %v do not grow", d)
	}
	if !strings.Contains(err.Error(), "503") {
		t.Errorf("error %q does not name the last status", err)
	}
}

func TestRetryAfterIsHonored(t *testing.T) {
	srv := hubtest.New(t)
	srv.Inject(hubtest.Fault{Path: "/api/repos/create", Status: 429, RetryAfter: "7", Times: 2})
	w := &waits{}
	c := newClient(t, srv, srv.Token, w)
	created, err := c.CreateRepo(context.Background(), "alice/d", false)
	if err != nil || !created {
		t.Fatalf("created=%v err=%v", created, err)
	}
	got := w.all()
	if len(got) != 2 || got[0] != 7*time.Second || got[1] != 7*time.Second {
		t.Fatalf("waits %v, want [7s 7s] from Retry-After", got)
	}
}

func TestRetriesCommitOn500AndTimeouts(t *testing.T) {
	srv := hubtest.New(t)
	srv.Inject(hubtest.Fault{Path: "/commit/", Status: 500, Times: 1})
	srv.Inject(hubtest.Fault{Path: "/preupload/", Delay: 5 * time.Second, Times: 1})
	// A short header timeout turns the held preupload answer into a client timeout.
	c, err := NewClient(Options{Endpoint: srv.URL, Token: srv.Token, CacheDir: t.TempDir(), MaxRetries: 3,
		BaseDelay: time.Millisecond, Timeout: 200 * time.Millisecond, sleep: (&waits{}).sleep})
	if err != nil {
		t.Fatal(err)
	}
	sha, err := c.Publish(context.Background(), "alice/d", false, []File{{PathInRepo: "data.jsonl", Content: jsonl(4)}}, "m")
	if err != nil {
		t.Fatal(err)
	}
	if srv.Requests("/preupload/") != 2 || srv.Requests("/commit/") != 2 || sha != srv.Head("alice/d") {
		t.Fatalf("preupload %d, commit %d requests; sha %s head %s", srv.Requests("/preupload/"), srv.Requests("/commit/"), sha, srv.Head("alice/d"))
	}
}

func cacheFiles(t *testing.T, dir string) (complete, partial []string) {
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			if strings.HasSuffix(p, ".part") || strings.HasSuffix(p, ".link") {
				partial = append(partial, p)
			} else {
				complete = append(complete, p)
			}
		}
		return nil
	})
	return
}

func TestTruncatedDownloadIsNotCached(t *testing.T) {
	cases := []struct {
		name  string
		lfs   bool
		fault hubtest.Fault
	}{
		{"inline cut connection", false, hubtest.Fault{Path: "/resolve/", Truncate: 100}},
		{"inline short body", false, hubtest.Fault{Path: "/resolve/", Truncate: 100, DropLength: true}},
		{"lfs cut connection", true, hubtest.Fault{Path: "/objects/", Truncate: 1000}},
		{"lfs short body", true, hubtest.Fault{Path: "/objects/", Truncate: 1000, DropLength: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := hubtest.New(t)
			if tc.lfs {
				srv.LFSThreshold = 1024
			}
			data := jsonl(300)
			sha := srv.Seed("alice/d", false, "", map[string][]byte{"data.jsonl": data})
			f := srv.Inject(tc.fault)
			c := newClient(t, srv, "", nil)
			_, err := c.Download(context.Background(), "alice/d", sha, "data.jsonl")
			if err == nil || app.CodeOf(err) != app.Failure {
				t.Fatalf("err = %v (code %d), want a failure with exit 3", err, app.CodeOf(err))
			}
			if f.Hits() != 4 {
				t.Errorf("%d truncated answers, want 4 (first try and 3 retries)", f.Hits())
			}
			if complete, partial := cacheFiles(t, c.CacheDir()); len(complete)+len(partial) != 0 {
				t.Fatalf("cache holds %v and partial %v after failed downloads", complete, partial)
			}
			// Once the Hub behaves, the same call succeeds and caches.
			srv.ClearFaults()
			p, err := c.Download(context.Background(), "alice/d", sha, "data.jsonl")
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(p); !bytes.Equal(got, data) {
				t.Fatal("content differs after recovery")
			}
		})
	}
}

func TestTruncatedThenRecoveredInOneCall(t *testing.T) {
	srv := hubtest.New(t)
	data := jsonl(100)
	sha := srv.Seed("alice/d", false, "", map[string][]byte{"data.jsonl": data})
	srv.Inject(hubtest.Fault{Path: "/resolve/", Truncate: 10, Times: 2})
	c := newClient(t, srv, "", nil)
	p, err := c.Download(context.Background(), "alice/d", sha, "data.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, data) {
		t.Fatal("content differs")
	}
}

func TestDownloadFromCacheNeedsNoNetwork(t *testing.T) {
	srv := hubtest.New(t)
	sha := srv.Seed("alice/d", false, "", map[string][]byte{"data.jsonl": jsonl(10)})
	c := newClient(t, srv, "", nil)
	ctx := context.Background()
	p1, err := c.Download(ctx, "alice/d", sha, "data.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	before := len(srv.Log())
	p2, err := c.Download(ctx, "alice/d", sha, "data.jsonl")
	if err != nil || p1 != p2 {
		t.Fatalf("second download %q (err %v), first %q", p2, err, p1)
	}
	if after := len(srv.Log()); after != before {
		t.Errorf("a cached full-sha download made %d requests", after-before)
	}
}

func TestConcurrentDownloadsShareOneBlob(t *testing.T) {
	srv := hubtest.New(t)
	srv.LFSThreshold = 1024
	data := randomBytes(200_000)
	sha := srv.Seed("alice/d", false, "", map[string][]byte{"data.bin": data})
	c := newClient(t, srv, "", nil)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := c.Download(context.Background(), "alice/d", sha, "data.bin")
			if err == nil {
				if got, rerr := os.ReadFile(p); rerr != nil || !bytes.Equal(got, data) {
					err = errors.New("content differs")
				}
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	blobs, _ := os.ReadDir(c.blobDir())
	if len(blobs) != 1 || blobs[0].Name() != hexSHA256(data) {
		t.Errorf("blob dir holds %d entries, want the one blob named by its sha256", len(blobs))
	}
	if _, partial := cacheFiles(t, c.CacheDir()); len(partial) != 0 {
		t.Errorf("partial files left: %v", partial)
	}
}

func TestAuthErrorsSayWhatToCheck(t *testing.T) {
	srv := hubtest.New(t)
	srv.Seed("alice/private", true, "", map[string][]byte{"data.jsonl": jsonl(2)})
	ctx := context.Background()
	cases := []struct {
		name   string
		token  string
		call   func(c *Client) error
		status int
		hint   string
	}{
		{"no token, private repo", "", func(c *Client) error { _, err := c.ResolveRevision(ctx, "alice/private", "main"); return err }, 401, "HF_TOKEN"},
		{"bad token", "hf_wrong_token_value", func(c *Client) error { _, err := c.ResolveRevision(ctx, "alice/private", "main"); return err }, 401, "refused the token"},
		{"read-only token uploads", srv.ReadToken, func(c *Client) error {
			_, err := c.UploadFiles(ctx, "alice/private", []File{{PathInRepo: "x.jsonl", Content: []byte("{}\n")}}, "m")
			return err
		}, 403, "write access"},
		{"missing repo", srv.Token, func(c *Client) error { _, err := c.ResolveRevision(ctx, "alice/nothing", "main"); return err }, 404, "check the repo name"},
		{"missing file", srv.Token, func(c *Client) error { _, err := c.Download(ctx, "alice/private", "main", "nope.jsonl"); return err }, 404, "data.jsonl"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(newClient(t, srv, tc.token, nil))
			var ae *APIError
			if !errors.As(err, &ae) || ae.Status != tc.status {
				t.Fatalf("err = %v, want HTTP %d", err, tc.status)
			}
			if !strings.Contains(err.Error(), tc.hint) {
				t.Errorf("error %q does not say %q", err, tc.hint)
			}
			if app.CodeOf(err) != app.Failure {
				t.Errorf("exit code %d", app.CodeOf(err))
			}
			for _, tok := range []string{srv.Token, srv.ReadToken, "hf_wrong_token_value"} {
				if strings.Contains(err.Error(), tok) {
					t.Fatal("the error message shows the token")
				}
			}
		})
	}
}

func TestResolveRevision(t *testing.T) {
	srv := hubtest.New(t)
	a := srv.Seed("alice/d", false, "abcdef1111111111111111111111111111111111", map[string][]byte{"a.jsonl": jsonl(1)})
	b := srv.Seed("alice/d", false, "abcdef1222222222222222222222222222222222", map[string][]byte{"b.jsonl": jsonl(1)})
	c := newClient(t, srv, "", nil)
	ctx := context.Background()
	cases := []struct {
		rev, want string
		code      int // 0: success
	}{
		{"main", b, 0},
		{b, b, 0},
		{"abcdef11", a, 0},
		{"abcdef12", b, 0},
		{"abcdef1", "", app.Failure}, // prefix of both: not unique
		{"abcdef", "", app.Usage},    // shorter than 7
		{"nosuchbranch", "", app.Failure},
		{"0000000", "", app.Failure},
	}
	for _, tc := range cases {
		got, err := c.ResolveRevision(ctx, "alice/d", tc.rev)
		if tc.code == 0 && (err != nil || got != tc.want) {
			t.Errorf("%s: got %q, %v; want %q", tc.rev, got, err, tc.want)
		}
		if tc.code != 0 && app.CodeOf(err) != tc.code {
			t.Errorf("%s: err %v (code %d), want code %d", tc.rev, err, app.CodeOf(err), tc.code)
		}
	}
}

func TestMatchesRevision(t *testing.T) {
	sha := "0123456789abcdef0123456789abcdef01234567"
	for rev, want := range map[string]bool{sha: true, sha[:7]: true, sha[:6]: false, "main": false, "1234567": false, "": false} {
		if MatchesRevision(rev, sha) != want {
			t.Errorf("MatchesRevision(%q) = %v", rev, !want)
		}
	}
}

func TestListFilesFollowsPages(t *testing.T) {
	srv := hubtest.New(t)
	srv.PageSize = 2
	files := map[string][]byte{}
	for _, p := range []string{"a.jsonl", "b.jsonl", "dir/c.jsonl", "dir/d.jsonl", "e.jsonl"} {
		files[p] = []byte(p)
	}
	sha := srv.Seed("alice/d", false, "", files)
	c := newClient(t, srv, "", nil)
	all, err := c.ListFiles(context.Background(), "alice/d", sha, "", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 6 { // the five and the Hub's .gitattributes
		t.Fatalf("%d entries: %+v", len(all), all)
	}
	if n := srv.Requests("/tree/"); n != 3 {
		t.Errorf("%d tree requests, want 3 pages", n)
	}
	top, err := c.ListFiles(context.Background(), "alice/d", sha, "", false)
	if err != nil {
		t.Fatal(err)
	}
	var dirs int
	for _, e := range top {
		if e.Type == "directory" {
			dirs++
		}
	}
	if len(top) != 5 || dirs != 1 {
		t.Errorf("top level: %d entries, %d directories", len(top), dirs)
	}
}

func TestGivesNoTokenToStorageOrOtherHosts(t *testing.T) {
	srv := hubtest.New(t)
	srv.LFSThreshold = 10
	c := newClient(t, srv, srv.Token, nil)
	if _, err := c.Publish(context.Background(), "alice/d", false, []File{{PathInRepo: "data.jsonl", Content: jsonl(20)}}, "m"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Download(context.Background(), "alice/d", "main", "data.jsonl"); err != nil {
		t.Fatal(err)
	}
	if srv.Requests("PUT /uploads/") != 1 || srv.Requests("GET /objects/") != 1 || srv.TokenLeaks() != 0 {
		t.Fatalf("uploads %d, object reads %d, token leaks %d", srv.Requests("PUT /uploads/"), srv.Requests("GET /objects/"), srv.TokenLeaks())
	}
}

func TestCancelledContextIsInterrupted(t *testing.T) {
	srv := hubtest.New(t)
	srv.Inject(hubtest.Fault{Path: "/revision/", Status: 503})
	c, err := NewClient(Options{Endpoint: srv.URL, CacheDir: t.TempDir(), BaseDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for srv.Requests("/revision/") == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err = c.ResolveRevision(ctx, "alice/d", "main")
	if app.CodeOf(err) != app.Interrupted {
		t.Fatalf("err %v: code %d, want %d", err, app.CodeOf(err), app.Interrupted)
	}
}

func hexSHA256(b []byte) string {
	s := stageOf(b)
	return s.sha256
}

func stageOf(b []byte) *staged {
	s, err := stage(File{PathInRepo: "x", Content: b})
	if err != nil {
		panic(err)
	}
	return s
}

func TestStalledDownloadIsAbandonedAndRetried(t *testing.T) {
	srv := hubtest.New(t)
	data := jsonl(100)
	sha := srv.Seed("alice/d", false, "", map[string][]byte{"data.jsonl": data})
	f := srv.Inject(hubtest.Fault{Path: "/resolve/", Truncate: 50, Stall: 10 * time.Second, Times: 1})
	c, err := NewClient(Options{Endpoint: srv.URL, CacheDir: t.TempDir(), MaxRetries: 2,
		BaseDelay: time.Millisecond, Timeout: 200 * time.Millisecond, sleep: (&waits{}).sleep})
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Download(context.Background(), "alice/d", sha, "data.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, data) || f.Hits() != 1 {
		t.Fatalf("equal=%v after %d stalled answers", bytes.Equal(got, data), f.Hits())
	}
}

// TestInterruptedDownloadLeavesNothing cancels a download while its body is
// half sent: the error maps to exit 130 and the cache holds no file at all.
func TestInterruptedDownloadLeavesNothing(t *testing.T) {
	srv := hubtest.New(t)
	sha := srv.Seed("alice/d", false, "", map[string][]byte{"data.jsonl": jsonl(200)})
	srv.Inject(hubtest.Fault{Path: "/resolve/", Truncate: 500, Stall: 10 * time.Second})
	c := newClient(t, srv, "", nil)
	c.opts.Timeout = time.Minute // only the cancel ends the stall
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for srv.Requests("/resolve/") == 0 {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond) // let the first bytes land in the .part file
		cancel()
	}()
	_, err := c.Download(ctx, "alice/d", sha, "data.jsonl")
	if app.CodeOf(err) != app.Interrupted {
		t.Fatalf("err %v: code %d, want %d", err, app.CodeOf(err), app.Interrupted)
	}
	if complete, partial := cacheFiles(t, c.CacheDir()); len(complete)+len(partial) != 0 {
		t.Fatalf("cache holds %v and partial %v after an interrupted download", complete, partial)
	}
}

package hubtest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestServerChecksRequests sends raw requests the client never would and
// checks the server refuses them the way the Hub does.
func TestServerChecksRequests(t *testing.T) {
	s := New(t)
	sha := s.Seed("alice/pub", false, "", map[string][]byte{"data.jsonl": []byte("{}\n")})
	s.Seed("alice/priv", true, "", map[string][]byte{"data.jsonl": []byte("{}\n")})
	lfs := map[string]string{"Accept": lfsJSON, "Content-Type": lfsJSON}
	cases := []struct {
		name, method, path, token, body string
		header                          map[string]string
		status                          int
	}{
		{"public read, no token", "GET", "/api/datasets/alice/pub/revision/main", "", "", nil, 200},
		{"short sha", "GET", "/api/datasets/alice/pub/revision/" + sha[:7], "", "", nil, 200},
		{"private read, no token", "GET", "/api/datasets/alice/priv/revision/main", "", "", nil, 401},
		{"private read, read token", "GET", "/api/datasets/alice/priv/revision/main", s.ReadToken, "", nil, 200},
		{"bad token", "GET", "/api/datasets/alice/pub/revision/main", "nope", "", nil, 401},
		{"missing repo, token", "GET", "/api/datasets/alice/none/revision/main", s.Token, "", nil, 404},
		{"missing repo, anonymous", "GET", "/api/datasets/alice/none/revision/main", "", "", nil, 401},
		{"create, no token", "POST", "/api/repos/create", "", `{"name":"x","organization":"alice","type":"dataset"}`, nil, 401},
		{"create, read token", "POST", "/api/repos/create", s.ReadToken, `{"name":"x","organization":"alice","type":"dataset"}`, nil, 403},
		{"create, exists", "POST", "/api/repos/create", s.Token, `{"name":"pub","organization":"alice","type":"dataset"}`, nil, 409},
		{"commit, wrong content type", "POST", "/api/datasets/alice/pub/commit/main", s.Token, `{"key":"header","value":{"summary":"m"}}`, nil, 400},
		{"commit, no header line", "POST", "/api/datasets/alice/pub/commit/main", s.Token, `{"key":"file","value":{"path":"a","content":"","encoding":"base64"}}`, map[string]string{"Content-Type": "application/x-ndjson"}, 400},
		{"commit, LFS object never uploaded", "POST", "/api/datasets/alice/pub/commit/main", s.Token,
			`{"key":"header","value":{"summary":"m"}}` + "\n" + `{"key":"lfsFile","value":{"path":"a","algo":"sha256","oid":"` + strings.Repeat("0", 64) + `"}}`,
			map[string]string{"Content-Type": "application/x-ndjson"}, 400},
		{"commit, path escapes", "POST", "/api/datasets/alice/pub/commit/main", s.Token,
			`{"key":"header","value":{"summary":"m"}}` + "\n" + `{"key":"file","value":{"path":"../a","content":"","encoding":"base64"}}`,
			map[string]string{"Content-Type": "application/x-ndjson"}, 400},
		{"LFS batch without LFS media type", "POST", "/datasets/alice/pub.git/info/lfs/objects/batch", s.Token, `{"operation":"upload","hash_algo":"sha_256","objects":[]}`, nil, 406},
		{"LFS batch, read token", "POST", "/datasets/alice/pub.git/info/lfs/objects/batch", s.ReadToken, `{"operation":"upload","hash_algo":"sha_256","objects":[]}`, lfs, 403},
		{"resolve missing file", "GET", "/datasets/alice/pub/resolve/main/nope.jsonl", "", "", nil, 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, s.URL+tc.path, strings.NewReader(tc.body))
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("HTTP %d (%s), want %d", resp.StatusCode, body, tc.status)
			}
			if tc.status >= 400 {
				var e struct{ Error string }
				if json.Unmarshal(body, &e) != nil || e.Error == "" {
					t.Errorf("error answer %q has no JSON error field", body)
				}
			}
		})
	}
}

func TestStorageRefusesTokens(t *testing.T) {
	s := New(t)
	req, _ := http.NewRequest("GET", s.StorageURL+"/objects/"+strings.Repeat("0", 64), nil)
	req.Header.Set("Authorization", "Bearer "+s.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || s.TokenLeaks() != 1 {
		t.Fatalf("HTTP %d, leaks %d", resp.StatusCode, s.TokenLeaks())
	}
}

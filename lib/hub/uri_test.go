package hub

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flock-off/ff/lib/app"
	"github.com/flock-off/ff/lib/hub/hubtest"
	"github.com/flock-off/ff/lib/record"
)

func TestParseURI(t *testing.T) {
	cases := []struct {
		in   string
		want URI
		code int
	}{
		{"hf://datasets/alice/off@0123abc/data.jsonl", URI{"alice/off", "0123abc", "data.jsonl"}, 0},
		{"hf://datasets/alice/off@0123abc/eval/part-1.parquet", URI{"alice/off", "0123abc", "eval/part-1.parquet"}, 0},
		{"hf://alice/off@0123abc", URI{"alice/off", "0123abc", "data.jsonl"}, 0},
		{"hf://alice/off", URI{"alice/off", "main", "data.jsonl"}, 0},
		{"hf://datasets/alice/off/x.jsonl", URI{"alice/off", "main", "x.jsonl"}, 0},
		{"hf://datasets/alice/off@refs%2Fpr%2F1/x.jsonl", URI{"alice/off", "refs/pr/1", "x.jsonl"}, 0},
		{"hf://datasets/alice/off@main", URI{"alice/off", "main", "data.jsonl"}, 0},
		{"hf://alice/off@abc", URI{}, app.Usage},   // short sha under 7
		{"hf://alice/off@", URI{}, app.Usage},      // empty revision
		{"hf://alice", URI{}, app.Usage},           // no name
		{"hf://models/a/b@main", URI{}, app.Usage}, // not a dataset
		{"hf://alice/off@main/../x", URI{}, app.Usage},
		{"hf://al ice/off", URI{}, app.Usage},
		{"s3://alice/off", URI{}, app.Usage},
	}
	for _, tc := range cases {
		got, err := ParseURI(tc.in)
		if tc.code != 0 {
			if app.CodeOf(err) != tc.code {
				t.Errorf("%s: err %v, want code %d", tc.in, err, tc.code)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: got %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func FuzzParseURI(f *testing.F) {
	for _, s := range []string{"hf://datasets/a/b@0123abc/data.jsonl", "hf://a/b@main", "hf://a/b", "hf://datasets/a/b@refs%2Fpr%2F1/x/y.parquet", "hf://a/b@%zz", "hf://@/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseURI(s)
		if err != nil {
			return
		}
		// What parses prints back to a URI naming the same file.
		v, err := ParseURI(u.String())
		if err != nil || v != u {
			t.Fatalf("%q → %+v → %q → %+v, %v", s, u, u.String(), v, err)
		}
	})
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"7", "0", "-1", "Wed, 21 Oct 2015 07:28:00 GMT", "", "9999999999999", " 3 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := parseRetryAfter(s, testNow)
		if d < 0 || (!ok && d != 0) {
			t.Fatalf("%q: %v %v", s, d, ok)
		}
	})
}

func FuzzNextLink(f *testing.F) {
	for _, s := range []string{`<https://h/api/x?cursor=2>; rel="next"`, `<a>; rel="prev", <b>; rel="next"`, `<x>;rel=next`, `garbage`, `<>`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if u := nextLink(s); u != "" && !containsString(s, "<"+u+">") {
			t.Fatalf("%q: next %q is not one of its links", s, u)
		}
	})
}

func containsString(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestNextLink(t *testing.T) {
	for h, want := range map[string]string{
		`<https://h/api/t?cursor=2>; rel="next"`:               "https://h/api/t?cursor=2",
		`<https://h/p>; rel="prev", <https://h/n>; rel="next"`: "https://h/n",
		`<https://h/p>; rel="prev"`:                            "",
		``:                                                     "",
	} {
		if got := nextLink(h); got != want {
			t.Errorf("%q: %q, want %q", h, got, want)
		}
	}
}

// TestHFSchemeReadsRows checks what every binary gets from RegisterInputs:
// record.Open reads rows of an hf:// URI, long and short forms.
func TestHFSchemeReadsRows(t *testing.T) {
	srv := hubtest.New(t)
	sha := srv.Seed("alice/off", true, "", map[string][]byte{"data.jsonl": jsonl(4), "eval/e.jsonl": jsonl(2)})
	t.Setenv("HF_TOKEN", srv.Token)
	t.Setenv("HF_ENDPOINT", srv.URL)
	t.Setenv("FF_CACHE", t.TempDir())
	RegisterInputs(Options{})
	for uri, rows := range map[string]int{
		"hf://alice/off@" + sha[:7]:                        4,
		"hf://datasets/alice/off@" + sha + "/eval/e.jsonl": 2,
		"hf://datasets/alice/off@main/data.jsonl":          4,
	} {
		r, err := record.Open(context.Background(), uri, nil)
		if err != nil {
			t.Fatalf("%s: %v", uri, err)
		}
		n := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", uri, err)
			}
			n++
		}
		r.Close()
		if n != rows {
			t.Errorf("%s: %d rows, want %d", uri, n, rows)
		}
	}
	if _, err := record.Open(context.Background(), "hf://alice/off@abc", nil); app.CodeOf(err) != app.Usage {
		t.Errorf("short revision: %v", err)
	}
}

func TestLoadToken(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flagFile := write("flag-token", "tok_from_flag\n")
	write("hfhome/token", "tok_from_hf_home\n")
	pathFile := write("elsewhere/tok", " tok_from_token_path ")
	write("xdg/huggingface/token", "tok_from_xdg")
	cases := []struct {
		name                            string
		file, env, hfHome, tokPath, xdg string
		want                            string
	}{
		{"flag wins", flagFile, "tok_env", filepath.Join(dir, "hfhome"), "", "", "tok_from_flag"},
		{"env next", "", "tok_env", filepath.Join(dir, "hfhome"), "", "", "tok_env"},
		{"HF_TOKEN_PATH", "", "", filepath.Join(dir, "hfhome"), pathFile, "", "tok_from_token_path"},
		{"HF_HOME", "", "", filepath.Join(dir, "hfhome"), "", "", "tok_from_hf_home"},
		{"XDG cache", "", "", "", "", filepath.Join(dir, "xdg"), "tok_from_xdg"},
		{"none", "", "", filepath.Join(dir, "empty"), "", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("HF_TOKEN", tc.env)
			t.Setenv("HF_HOME", tc.hfHome)
			t.Setenv("HF_TOKEN_PATH", tc.tokPath)
			t.Setenv("XDG_CACHE_HOME", tc.xdg)
			got, err := LoadToken(tc.file)
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if _, err := LoadToken(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing --hf-token-file is not an error")
	}
}

var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestHFSchemeErrorsNameTheURI(t *testing.T) {
	srv := hubtest.New(t)
	srv.Seed("alice/off", false, "", map[string][]byte{"data.jsonl": jsonl(1)})
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HF_ENDPOINT", srv.URL)
	t.Setenv("FF_CACHE", t.TempDir())
	RegisterInputs(Options{})
	uri := "hf://datasets/alice/off@main/missing.jsonl"
	_, err := record.Open(context.Background(), uri, nil)
	if err == nil || !strings.HasPrefix(err.Error(), uri+": ") || app.CodeOf(err) != app.Failure {
		t.Fatalf("err %v (code %d): want it to start with the URI and exit 3", err, app.CodeOf(err))
	}
}

func TestOptionsNeverPrintTheToken(t *testing.T) {
	o := Options{Endpoint: "http://h", Token: "hf_secret_value"}
	c, err := NewClient(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprint(o), fmt.Sprintf("%+v", o), fmt.Sprintf("%#v", o), fmt.Sprintf("%v", &o), fmt.Sprint(c), fmt.Sprintf("%+v %#v", c, c)} {
		if strings.Contains(s, "hf_secret_value") {
			t.Fatalf("printed: %s", s)
		}
	}
}

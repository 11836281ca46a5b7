package hub

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// APIError is an answer of the Hub that retrying will not fix (or that was
// still failing when the retries ran out). It maps to exit status 3.
type APIError struct {
	Op        string // what was being done, e.g. "create repo alice/data"
	Status    int    // HTTP status
	Message   string // the Hub's own words, if it gave any
	RequestID string // X-Request-Id, for a support ticket
	Hint      string // what to check
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "hub: %s: HTTP %d %s", e.Op, e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" (request id " + e.RequestID + ")")
	}
	if e.Hint != "" {
		b.WriteString("; " + e.Hint)
	}
	return b.String()
}

// ErrNotFound matches an APIError with status 404.
var ErrNotFound = errors.New("not found")

// Is makes errors.Is(err, ErrNotFound) work for 404 answers.
func (e *APIError) Is(target error) bool {
	return target == ErrNotFound && e.Status == http.StatusNotFound
}

// GiveUpError says the retries ran out; Last is the final failure.
type GiveUpError struct {
	Op       string
	Attempts int
	Last     error
}

func (e *GiveUpError) Error() string {
	return fmt.Sprintf("hub: %s: gave up after %d attempts: %v", e.Op, e.Attempts, e.Last)
}

func (e *GiveUpError) Unwrap() error { return e.Last }

// apiError reads the Hub's error message from resp (JSON {"error": …} or the
// X-Error-Message header) and adds a hint for the statuses users can fix.
func (c *Client) apiError(op string, resp *http.Response) *APIError {
	e := &APIError{Op: op, Status: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id")}
	e.Message = resp.Header.Get("X-Error-Message")
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if e.Message == "" {
		var j struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		if json.Unmarshal(body, &j) == nil {
			e.Message = j.Error
			if e.Message == "" {
				e.Message = j.Message
			}
		} else if s := strings.TrimSpace(string(body)); s != "" && len(s) < 200 && !strings.Contains(s, "<") {
			e.Message = s
		}
	}
	e.Message = c.redact(e.Message)
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		if c.token == "" {
			e.Hint = "no token was found: set HF_TOKEN, pass --hf-token-file FILE, or log in with the Hugging Face CLI"
		} else {
			e.Hint = "the Hub refused the token: check that it is current (HF_TOKEN, --hf-token-file, or the CLI's stored token) and that it can read this repo"
		}
	case http.StatusForbidden:
		e.Hint = "the token may not do this: uploads need a token with write access to the namespace, and gated repos need accepted terms"
	case http.StatusNotFound:
		e.Hint = "check the repo name (NAMESPACE/NAME, a " + c.repoType + " repo), the revision and the file path; a private repo looks missing to a token without access"
	}
	return e
}

// redact removes the token from text that is about to be shown.
func (c *Client) redact(s string) string {
	if c.token != "" && len(c.token) >= 4 {
		s = strings.ReplaceAll(s, c.token, "[token]")
	}
	return s
}

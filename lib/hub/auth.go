package hub

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// LoadToken finds the access token: the file named by tokenFile (the
// --hf-token-file flag) if given, else $HF_TOKEN, else the token the
// Hugging Face CLI stored at login ($HF_TOKEN_PATH, else $HF_HOME/token,
// else ~/.cache/huggingface/token). No token at all returns "" and no error.
// The token is never printed; errors name only the file.
func LoadToken(tokenFile string) (string, error) {
	if tokenFile != "" {
		tok, err := readTokenFile(tokenFile)
		if err != nil {
			return "", err
		}
		if tok == "" {
			return "", fmt.Errorf("hub: token file %s is empty", tokenFile)
		}
		return tok, nil
	}
	if tok := strings.TrimSpace(os.Getenv("HF_TOKEN")); tok != "" {
		return tok, nil
	}
	path := StoredTokenPath()
	if path == "" {
		return "", nil
	}
	tok, err := readTokenFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	return tok, err
}

// StoredTokenPath is where the Hugging Face CLI keeps its token.
func StoredTokenPath() string {
	if p := os.Getenv("HF_TOKEN_PATH"); p != "" {
		return p
	}
	if h := os.Getenv("HF_HOME"); h != "" {
		return filepath.Join(h, "token")
	}
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "huggingface", "token")
}

func readTokenFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		// The os error names the path only, never the content.
		return "", fmt.Errorf("hub: read token: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// String keeps the token out of anything that prints Options (%v, %+v).
func (o Options) String() string {
	tok := "none"
	if o.Token != "" {
		tok = "[set]"
	}
	return fmt.Sprintf("hub.Options{Endpoint:%q Token:%s TokenFile:%q RepoType:%q CacheDir:%q}", o.Endpoint, tok, o.TokenFile, o.RepoType, o.CacheDir)
}

// GoString does the same for %#v.
func (o Options) GoString() string { return o.String() }

// String keeps the token out of anything that prints a Client.
func (c *Client) String() string {
	return fmt.Sprintf("hub.Client{Endpoint:%q RepoType:%q Token:%v}", c.endpoint, c.repoType, c.token != "")
}

// GoString does the same for %#v.
func (c *Client) GoString() string { return c.String() }

// Package testenv finds or installs what tests compare against: the shared
// fixtures beside the repository, npm packages (@huggingface/tokenizers,
// @polkadot/*) and Debian's python3-torch. CI machines start bare, so tests
// install what they need themselves, once per machine, under a file lock; a
// test is skipped with a visible message only when a registry cannot be reached.
package testenv

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// RepoRoot is the module root (the directory holding go.mod).
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Dir(file)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testenv: go.mod not found above " + file)
		}
		dir = parent
	}
}

// Shared returns ../shared beside the repository, or skips the test.
func Shared(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("FF_SHARED"); d != "" {
		return d
	}
	d := filepath.Join(filepath.Dir(RepoRoot(t)), "shared")
	if _, err := os.Stat(d); err != nil {
		t.Skipf("SKIP: ../shared is absent (%v); this test needs the shared fixtures", err)
	}
	return d
}

// CacheDir is where installed test tools live: $FF_TESTENV, else the user cache.
func CacheDir(t testing.TB) string {
	t.Helper()
	d := os.Getenv("FF_TESTENV")
	if d == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		d = filepath.Join(base, "ff-testenv")
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return d
}

// lock takes an exclusive lock on name under the cache dir; parallel test
// binaries of one `go test ./...` install each tool once.
func lock(t testing.TB, name string) func() {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(CacheDir(t), name+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatalf("testenv: lock: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatalf("testenv: lock: %v", err)
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }
}

// NodeModules installs the npm packages (name@version specs) into a cache
// directory of their own and returns it: run node with that directory as
// working directory or NODE_PATH=<dir>/node_modules. Skips when node/npm are
// missing or the registry cannot be reached.
func NodeModules(t testing.TB, pkgs ...string) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("SKIP: node is not installed; install Node.js to run this comparison")
	}
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("SKIP: npm is not installed; install npm to run this comparison")
	}
	sorted := append([]string(nil), pkgs...)
	sort.Strings(sorted)
	h := sha256.Sum256([]byte(strings.Join(sorted, "\n")))
	dir := filepath.Join(CacheDir(t), "npm-"+hex.EncodeToString(h[:6]))
	unlock := lock(t, "npm")
	defer unlock()
	if _, err := os.Stat(filepath.Join(dir, ".ok")); err == nil {
		return dir
	}
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"ff-testenv","private":true}`), 0o644)
	args := append([]string{"install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", dir}, pkgs...)
	cmd := exec.Command("npm", args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := runTimeout(cmd, 5*time.Minute); err != nil {
		t.Skipf("SKIP: npm install %s failed (registry unreachable?): %v\n%s", strings.Join(pkgs, " "), err, tail(out.String()))
	}
	t.Logf("testenv: installed %s in %s", strings.Join(pkgs, " "), time.Since(start).Round(time.Second))
	os.WriteFile(filepath.Join(dir, ".ok"), nil, 0o644)
	return dir
}

// Node runs a JavaScript program with the modules of dir resolvable and returns its stdout.
func Node(t testing.TB, dir, script string, stdin []byte) []byte {
	t.Helper()
	f := filepath.Join(dir, fmt.Sprintf("script-%d.cjs", time.Now().UnixNano()))
	if err := os.WriteFile(f, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(f)
	cmd := exec.Command("node", f)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(dir, "node_modules"))
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, tail(stderr.String()))
	}
	return out
}

// TorchPython returns a python3 that imports torch, installing Debian's
// python3-torch and libopenblas0-pthread with apt when none does. Skips when
// apt cannot install them (no root, no registry).
func TorchPython(t testing.TB) string {
	t.Helper()
	if p := findTorch(); p != "" {
		return p
	}
	unlock := lock(t, "apt")
	defer unlock()
	if p := findTorch(); p != "" {
		return p
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Skip("SKIP: no python3 with torch and no apt-get to install python3-torch")
	}
	var out bytes.Buffer
	start := time.Now()
	for _, args := range [][]string{
		{"apt-get", "update", "-qq"},
		{"apt-get", "install", "-y", "-qq", "--no-install-recommends", "python3-torch", "libopenblas0-pthread", "python3-numpy"},
	} {
		if os.Geteuid() != 0 {
			if _, err := exec.LookPath("sudo"); err != nil {
				t.Skip("SKIP: python3-torch is not installed and this user cannot run apt-get (not root, no sudo)")
			}
			args = append([]string{"sudo", "-n"}, args...)
		}
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := runTimeout(cmd, 15*time.Minute); err != nil {
			t.Skipf("SKIP: %s failed (Debian registry unreachable?): %v\n%s", strings.Join(args, " "), err, tail(out.String()))
		}
	}
	t.Logf("testenv: installed python3-torch in %s", time.Since(start).Round(time.Second))
	if p := findTorch(); p != "" {
		return p
	}
	t.Fatal("testenv: python3-torch installed but no python3 imports torch")
	return ""
}

// findTorch prefers Debian's /usr/bin/python3 (where apt installs torch).
func findTorch() string {
	cands := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		cands = append(cands, p)
	}
	for _, p := range cands {
		cmd := exec.Command(p, "-c", "import torch")
		if cmd.Run() == nil {
			return p
		}
	}
	return ""
}

func runTimeout(cmd *exec.Cmd, d time.Duration) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
		return fmt.Errorf("timed out after %s", d)
	}
}

func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}

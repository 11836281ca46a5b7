package hub

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestCommitPayloadGolden pins the commit's NDJSON wire format (the shapes of
// huggingface.js commit.ts): header, then lfsFile and file lines.
func TestCommitPayloadGolden(t *testing.T) {
	inline, err := stage(File{PathInRepo: "data.jsonl", Content: []byte(`{"system":"s","conversations":[]}` + "\n")})
	if err != nil {
		t.Fatal(err)
	}
	big, err := stage(File{PathInRepo: "eval/big.parquet", Content: bytes.Repeat([]byte("PAR1"), 1000)})
	if err != nil {
		t.Fatal(err)
	}
	inline.mode, big.mode = "regular", "lfs"
	body, n, err := commitPayload([]*staged{big, inline}, "ff-submit commit: competition 1")
	if err != nil {
		t.Fatal(err)
	}
	if n != inline.size {
		t.Errorf("inline bytes %d, want %d", n, inline.size)
	}
	golden := filepath.Join("testdata", "commit.ndjson")
	if *update {
		if err := os.WriteFile(golden, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update once)", err)
	}
	if !bytes.Equal(body, want) {
		t.Errorf("commit payload differs from %s:\n%s", golden, body)
	}
}

package clean

import (
	"io"
	"os"
	"strings"
	"testing"
)

// BenchmarkCleanFile profiles ff-clean on $FF_BENCH_FILE with extra flags
// from $FF_BENCH_ARGS (skipped without a file;
// make bench-clean is the whole-process comparison with jq).
func BenchmarkCleanFile(b *testing.B) {
	path := os.Getenv("FF_BENCH_FILE")
	if path == "" {
		b.Skip("set FF_BENCH_FILE to a chat JSONL file")
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	for i := 0; i < b.N; i++ {
		args := append(strings.Fields(os.Getenv("FF_BENCH_ARGS")), "-q", path)
		if code := Main(args, nil, io.Discard, io.Discard); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}

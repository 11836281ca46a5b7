package hub

import (
	"context"
	"fmt"
	"testing"

	"github.com/flock-off/ff/lib/hub/hubtest"
)

// BenchmarkDownload measures a cold download (resolve, list, fetch, hash
// checks, atomic rename) from the in-process Hub: the client's own overhead.
func BenchmarkDownload(b *testing.B) {
	for _, size := range []int{64 << 10, 8 << 20} {
		for _, lfs := range []bool{false, true} {
			b.Run(fmt.Sprintf("%dKiB/lfs=%v", size>>10, lfs), func(b *testing.B) {
				srv := hubtest.New(b)
				if lfs {
					srv.LFSThreshold = 1
				} else {
					srv.LFSThreshold = 1 << 30
				}
				sha := srv.Seed("alice/d", false, "", map[string][]byte{"data.bin": randomBytes(size)})
				b.SetBytes(int64(size))
				for b.Loop() {
					c, err := NewClient(Options{Endpoint: srv.URL, CacheDir: b.TempDir()})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := c.Download(context.Background(), "alice/d", sha, "data.bin"); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkUpload measures Publish of one file (hashing, pre-upload, LFS or
// inline transfer, commit) to the in-process Hub.
func BenchmarkUpload(b *testing.B) {
	for _, lfs := range []bool{false, true} {
		b.Run(fmt.Sprintf("8MiB/lfs=%v", lfs), func(b *testing.B) {
			srv := hubtest.New(b)
			if lfs {
				srv.LFSThreshold = 1
			} else {
				srv.LFSThreshold = 1 << 30
			}
			data := randomBytes(8 << 20)
			c, err := NewClient(Options{Endpoint: srv.URL, Token: srv.Token, CacheDir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			i := 0
			for b.Loop() {
				i++
				data[0] = byte(i) // new content each time, so each round uploads
				data[1] = byte(i >> 8)
				if _, err := c.Publish(context.Background(), "alice/d", false, []File{{PathInRepo: "data.bin", Content: data}}, "bench"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

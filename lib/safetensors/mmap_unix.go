//go:build unix

package safetensors

import (
	"os"

	"golang.org/x/sys/unix"
)

func mmapFile(f *os.File, size int64) ([]byte, error) {
	return unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
}

func munmap(b []byte) error { return unix.Munmap(b) }

// dontNeed drops the whole pages inside b from this process's resident set.
func dontNeed(b []byte) {
	const page = 4096
	if len(b) < 2*page {
		return
	}
	// Only whole pages strictly inside b; neighbours may still be wanted.
	p := uintptrOf(b)
	start := (page - int(p%page)) % page
	end := len(b) - int((p+uintptr(len(b)))%page)
	if end-start >= page {
		unix.Madvise(b[start:end], unix.MADV_DONTNEED)
	}
}

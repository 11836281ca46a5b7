//go:build unix

package safetensors

import (
	"os"
	"syscall"
)

func mmapFile(f *os.File, size int64) ([]byte, error) {
	return syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
}

func munmap(b []byte) error { return syscall.Munmap(b) }

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
		syscall.Madvise(b[start:end], 4) // MADV_DONTNEED
	}
}

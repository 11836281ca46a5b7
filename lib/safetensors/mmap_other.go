//go:build !unix

package safetensors

import (
	"io"
	"os"
)

func mmapFile(f *os.File, size int64) ([]byte, error) {
	b := make([]byte, size)
	_, err := io.ReadFull(f, b)
	return b, err
}

func munmap([]byte) error { return nil }

func dontNeed([]byte) {}

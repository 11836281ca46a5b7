package torchworker

import (
	"embed"
	"os"
	"path/filepath"
)

// scripts is the Python worker: worker.py and the modules it imports.
//
//go:embed py/*.py
var scripts embed.FS

// writeScripts writes the worker into a fresh temporary directory.
func writeScripts() (string, error) {
	dir, err := os.MkdirTemp("", "ff-torchworker-")
	if err != nil {
		return "", err
	}
	ents, err := scripts.ReadDir("py")
	if err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	for _, e := range ents {
		b, err := scripts.ReadFile("py/" + e.Name())
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644)
		}
		if err != nil {
			os.RemoveAll(dir)
			return "", err
		}
	}
	return dir, nil
}

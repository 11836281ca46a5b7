package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Output is a data destination: stdout, or a file written atomically (a
// temporary file beside it, renamed over it only by Commit). An interrupted
// or failed run calls Abort and leaves no partial file.
type Output struct {
	*bufio.Writer
	path   string
	tmp    *os.File
	direct *os.File // a non-regular file written in place
	done   bool
}

// CreateOutput opens path for writing; "" or "-" means stdout.
func CreateOutput(path string, stdout io.Writer) (*Output, error) {
	if path == "" || path == "-" {
		return &Output{Writer: bufio.NewWriterSize(stdout, 1<<20)}, nil
	}
	// A device, pipe or socket (/dev/stdout, a FIFO) cannot be replaced by a
	// rename: write to it directly.
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() && !st.IsDir() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return nil, Failf("open output: %v", err)
		}
		return &Output{Writer: bufio.NewWriterSize(f, 1<<20), path: path, direct: f}, nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, Failf("create %s: is a directory", path) // before the work, not at the rename
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		// Name the file the user asked for, not the temporary one.
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, Failf("create %s: %v", path, err)
	}
	// CreateTemp makes 0600 files; an output is an ordinary file (0644 under
	// the usual umask), or keeps the mode of the file it replaces.
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	tmp.Chmod(mode)
	return &Output{Writer: bufio.NewWriterSize(tmp, 1<<20), path: path, tmp: tmp}, nil
}

// Path is the final path ("" for stdout).
func (o *Output) Path() string { return o.path }

// Commit flushes and, for a file, syncs and renames it into place.
func (o *Output) Commit() error {
	if o.done {
		return nil
	}
	if interrupted.Load() {
		// The input may have been cut short by the same ^C: do not put
		// a result in place that looks complete.
		o.Abort()
		return context.Canceled
	}
	o.done = true
	if err := o.Flush(); err != nil {
		o.abortFile()
		return Failf("write %s: %v", o.name(), err)
	}
	if o.direct != nil {
		if err := o.direct.Close(); err != nil {
			return Failf("write %s: %v", o.path, err)
		}
		return nil
	}
	if o.tmp == nil {
		return nil
	}
	if err := o.tmp.Sync(); err != nil {
		o.abortFile()
		return Failf("write %s: %v", o.path, err)
	}
	if err := o.tmp.Close(); err != nil {
		os.Remove(o.tmp.Name())
		return Failf("write %s: %v", o.path, err)
	}
	if err := os.Rename(o.tmp.Name(), o.path); err != nil {
		os.Remove(o.tmp.Name())
		return Failf("write %s: %v", o.path, err)
	}
	return nil
}

// Abort discards a file output; stdout output is flushed as far as it got.
// Safe to call after Commit (it then does nothing), so `defer o.Abort()` works.
func (o *Output) Abort() {
	if o.done {
		return
	}
	o.done = true
	if o.tmp == nil {
		o.Flush()
		if o.direct != nil {
			o.direct.Close()
		}
		return
	}
	o.abortFile()
}

func (o *Output) abortFile() {
	if o.tmp != nil {
		o.tmp.Close()
		os.Remove(o.tmp.Name())
	}
}

func (o *Output) name() string {
	if o.path == "" {
		return "stdout"
	}
	return o.path
}

// WriteFileAtomic writes data to path through a temporary file and a rename.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	if interrupted.Load() {
		return context.Canceled
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("create %s: is a directory", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // name the file asked for, not the temporary one
		}
		return fmt.Errorf("create %s: %v", path, err)
	}
	if _, err = tmp.Write(data); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), perm)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

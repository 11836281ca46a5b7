package dedup

import (
	"io"
	"os"

	"github.com/flock-off/ff/lib/app"
)

// createOutput is app.CreateOutput, except that an existing path that is
// not a regular file (/dev/stdout, a named pipe, a terminal) is written in
// place: renaming a temporary file over it would replace the device.
func createOutput(path string, stdout io.Writer) (*app.Output, error) {
	if path != "" && path != "-" {
		if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				return nil, app.Failf("open %s: %v", path, err)
			}
			return app.CreateOutput("", f) // the process exit closes f
		}
	}
	return app.CreateOutput(path, stdout)
}

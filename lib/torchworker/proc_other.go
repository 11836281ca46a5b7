//go:build !unix

package torchworker

import "os/exec"

// setProcessGroup: without process groups a cancel kills the worker itself;
// the worker also exits when its stdin closes.
func setProcessGroup(cmd *exec.Cmd) {}

func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		cmd.Process.Kill()
	}
}

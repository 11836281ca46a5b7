//go:build unix

package torchworker

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts the worker in a process group of its own, so that a
// cancel kills it together with anything it started (data-loader processes,
// compilers), and makes a cancelled context kill that group.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { killGroup(cmd); return nil }
}

// killGroup sends SIGKILL to the worker's process group.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	cmd.Process.Kill()
}

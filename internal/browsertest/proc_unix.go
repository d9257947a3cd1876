//go:build unix

package browsertest

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup starts cmd in a new process group, which Chromium's
// processes join too, so that one signal ends them all.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killProcessGroup sends SIGKILL to cmd's process group.
func killProcessGroup(cmd *exec.Cmd) {
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
		cmd.Process.Kill()
	}
}

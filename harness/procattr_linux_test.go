package harness

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes a harness that dies (a test timeout) take the
// process with it.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

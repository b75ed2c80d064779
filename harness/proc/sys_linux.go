package proc

import "syscall"

// sysProcAttr puts the child in its own process group, so one signal reaches everything it
// starts, and asks the kernel to SIGKILL it if the harness dies (even by kill -9). Pdeathsig
// fires when the forking OS thread exits; Go only ends threads whose goroutine locked them,
// which this package never does.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

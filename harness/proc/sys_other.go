//go:build !linux

package proc

import "syscall"

// sysProcAttr puts the child in its own process group; parent-death signals are Linux only.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

package proc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// DefaultGrace is how long Stop waits after SIGTERM before it sends SIGKILL.
const DefaultGrace = 5 * time.Second

// ErrNotRunning is returned when a signal is sent to a process that has exited.
var ErrNotRunning = errors.New("proc: process not running")

// Spec describes one component process.
type Spec struct {
	Name   string   // component name; the log file is LogDir/Name.log
	Path   string   // executable; default: the running binary (os.Executable)
	Args   []string // arguments after the program name
	Env    []string // added to the harness's environment ("K=V")
	Dir    string   // working directory; default: the harness's
	LogDir string   // required: stdout and stderr go to LogDir/Name.log (appended across restarts)
	Grace  time.Duration
	Ready  Probe // how to tell the process is ready; zero = ready once started
}

// Process is one supervised child. Its methods are safe for concurrent use.
type Process struct {
	spec Spec
	log  string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when the current child has been waited for
	err  error         // its exit error
}

// Start starts the process described by spec and, if spec.Ready is set, waits until it is
// ready or ctx ends.
func Start(ctx context.Context, spec Spec) (*Process, error) {
	if spec.Name == "" {
		return nil, errors.New("proc: spec.Name is required")
	}
	if spec.LogDir == "" {
		return nil, fmt.Errorf("proc %s: spec.LogDir is required", spec.Name)
	}
	if spec.Path == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("proc %s: find own binary: %w", spec.Name, err)
		}
		spec.Path = exe
	}
	if spec.Grace <= 0 {
		spec.Grace = DefaultGrace
	}
	if err := os.MkdirAll(spec.LogDir, 0o755); err != nil {
		return nil, fmt.Errorf("proc %s: %w", spec.Name, err)
	}
	p := &Process{spec: spec, log: filepath.Join(spec.LogDir, spec.Name+".log")}
	if err := p.start(); err != nil {
		return nil, err
	}
	if err := p.WaitReady(ctx); err != nil {
		p.Kill()
		return nil, err
	}
	return p, nil
}

func (p *Process) start() error {
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("proc %s: log: %w", p.spec.Name, err)
	}
	fmt.Fprintf(f, "--- zonemesh proc: start %s %v at %s\n", p.spec.Path, p.spec.Args, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(p.spec.Path, p.spec.Args...)
	cmd.Env = append(os.Environ(), p.spec.Env...)
	cmd.Dir = p.spec.Dir
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("proc %s: start %s: %w", p.spec.Name, p.spec.Path, err)
	}
	done := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.done, p.err = cmd, done, nil
	p.mu.Unlock()
	go func() {
		err := cmd.Wait()
		f.Close()
		p.mu.Lock()
		if p.done == done {
			p.err = err
		}
		p.mu.Unlock()
		close(done)
	}()
	return nil
}

// Name is the component name.
func (p *Process) Name() string { return p.spec.Name }

// LogPath is the component's log file.
func (p *Process) LogPath() string { return p.log }

// Pid is the process id of the current child (also its process group id).
func (p *Process) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd.Process.Pid
}

// Done is closed when the current child has exited.
func (p *Process) Done() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done
}

// ExitErr is the exit error of the current child once Done is closed (nil for exit 0).
func (p *Process) ExitErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Running reports whether the current child has not exited.
func (p *Process) Running() bool {
	select {
	case <-p.Done():
		return false
	default:
		return true
	}
}

// signal sends sig to the child's whole process group.
func (p *Process) signal(sig syscall.Signal) error {
	pid := p.Pid()
	if err := syscall.Kill(-pid, sig); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return ErrNotRunning
		}
		return fmt.Errorf("proc %s: signal %v: %w", p.spec.Name, sig, err)
	}
	return nil
}

// Kill sends SIGKILL to the process group and waits for the child to be reaped. Killing a
// process that already exited is not an error.
func (p *Process) Kill() error {
	done := p.Done()
	if err := p.signal(syscall.SIGKILL); err != nil && !errors.Is(err, ErrNotRunning) {
		return err
	}
	<-done
	return nil
}

// Pause stops the whole group with SIGSTOP.
func (p *Process) Pause() error { return p.signal(syscall.SIGSTOP) }

// Resume continues a paused group with SIGCONT.
func (p *Process) Resume() error { return p.signal(syscall.SIGCONT) }

// Stop asks the group to exit with SIGTERM (continuing it first if paused), waits up to the
// grace period or ctx, then kills it. It returns once the child is reaped.
func (p *Process) Stop(ctx context.Context) error {
	done := p.Done()
	if err := p.signal(syscall.SIGTERM); err != nil {
		if errors.Is(err, ErrNotRunning) {
			<-done
			return nil
		}
		return err
	}
	_ = p.signal(syscall.SIGCONT) // a stopped process cannot act on SIGTERM
	t := time.NewTimer(p.spec.Grace)
	defer t.Stop()
	select {
	case <-done:
		// The leader is gone; make sure nothing it started lingers in the group.
		_ = p.signal(syscall.SIGKILL)
		return nil
	case <-t.C:
	case <-ctx.Done():
	}
	return p.Kill()
}

// Restart kills the current child (if it still runs), starts a new one with the same spec and
// waits for readiness.
func (p *Process) Restart(ctx context.Context) error {
	if err := p.Kill(); err != nil {
		return err
	}
	if err := p.start(); err != nil {
		return err
	}
	return p.WaitReady(ctx)
}

package proc

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as the supervised program: with ZM_PROC_HELPER set, TestMain runs
// a helper instead of the tests.
//
//	serve: start a "leaf" grandchild, write its pid to ZM_PROC_LEAF_FILE, print to stdout and
//	       stderr, listen on ZM_PROC_ADDR, exit 0 on SIGTERM (or ignore it with ZM_PROC_STUBBORN)
//	leaf:  sleep until killed
func TestMain(m *testing.M) {
	switch os.Getenv("ZM_PROC_HELPER") {
	case "":
		os.Exit(m.Run())
	case "leaf":
		select {}
	case "serve":
		serve()
	}
}

func serve() {
	if os.Getenv("ZM_PROC_STUBBORN") != "" {
		signal.Ignore(syscall.SIGTERM)
	} else {
		signal.Reset(syscall.SIGTERM) // default action: exit
	}
	leaf := exec.Command(os.Args[0])
	leaf.Env = append(os.Environ(), "ZM_PROC_HELPER=leaf")
	if err := leaf.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "leaf:", err)
		os.Exit(3)
	}
	if err := os.WriteFile(os.Getenv("ZM_PROC_LEAF_FILE"), []byte(strconv.Itoa(leaf.Process.Pid)), 0o644); err != nil {
		os.Exit(4)
	}
	fmt.Println("hello on stdout")
	fmt.Fprintln(os.Stderr, "hello on stderr")
	ln, err := net.Listen("tcp", os.Getenv("ZM_PROC_ADDR"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(5)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			os.Exit(6)
		}
		c.Close()
	}
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type helper struct {
	spec     Spec
	leafFile string
}

func newHelper(t *testing.T, name string, extraEnv ...string) helper {
	dir := t.TempDir()
	addr := freeAddr(t)
	leaf := filepath.Join(dir, name+".leaf")
	return helper{leafFile: leaf, spec: Spec{
		Name:   name,
		Args:   []string{"-test.run=^$"},
		Env:    append([]string{"ZM_PROC_HELPER=serve", "ZM_PROC_ADDR=" + addr, "ZM_PROC_LEAF_FILE=" + leaf}, extraEnv...),
		LogDir: filepath.Join(dir, "logs"),
		Grace:  5 * time.Second,
		Ready:  Probe{TCP: addr},
	}}
}

func (h helper) leafPid(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile(h.leafFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// state is the /proc state letter of pid ("" once the process is gone).
func state(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return ""
	}
	return s[i+2 : i+3]
}

// gone reports whether pid has exited (absent, or a zombie no one reaped yet: PID 1 in a
// container may not reap orphans).
func gone(pid int) bool { st := state(pid); return st == "" || st == "Z" || st == "X" }

// eventually polls cond for up to 5 s; signal delivery and reaping are asynchronous.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func startHelper(t *testing.T, h helper) *Process {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := Start(ctx, h.spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Kill() })
	return p
}

func TestStartCapturesLogsAndKillReachesGroup(t *testing.T) {
	h := newHelper(t, "cp-zone-a")
	p := startHelper(t, h)
	leaf := h.leafPid(t)
	if gone(leaf) || gone(p.Pid()) {
		t.Fatal("helper or its child not running")
	}
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
	if p.Running() {
		t.Fatal("still running after Kill")
	}
	eventually(t, "grandchild killed with the group", func() bool { return gone(leaf) })
	log, err := os.ReadFile(p.LogPath())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"hello on stdout", "hello on stderr", "zonemesh proc: start"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if err := p.Kill(); err != nil {
		t.Errorf("second Kill: %v", err)
	}
}

func TestPauseResume(t *testing.T) {
	h := newHelper(t, "ingress")
	p := startHelper(t, h)
	leaf := h.leafPid(t)
	if err := p.Pause(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "leader and grandchild stopped", func() bool { return state(p.Pid()) == "T" && state(leaf) == "T" })
	if err := p.Resume(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "leader and grandchild running", func() bool { return state(p.Pid()) != "T" && state(leaf) != "T" })
	if err := p.WaitReady(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestRestart(t *testing.T) {
	h := newHelper(t, "global")
	p := startHelper(t, h)
	old, oldLeaf := p.Pid(), h.leafPid(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := p.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if p.Pid() == old || !p.Running() {
		t.Fatalf("pid %d after restart (was %d), running %v", p.Pid(), old, p.Running())
	}
	if !gone(old) {
		t.Fatal("old process still there")
	}
	eventually(t, "old grandchild gone", func() bool { return gone(oldLeaf) })
	log, _ := os.ReadFile(p.LogPath())
	if n := strings.Count(string(log), "zonemesh proc: start"); n != 2 {
		t.Fatalf("log shows %d starts, want 2", n)
	}
}

func TestStopGracefulAndForced(t *testing.T) {
	h := newHelper(t, "polite")
	p := startHelper(t, h)
	if err := p.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p.Running() {
		t.Fatal("running after Stop")
	}
	if ws, ok := exitStatus(p); !ok || ws.Signal() != syscall.SIGTERM {
		t.Fatalf("polite helper ended with %v, want death by SIGTERM", p.ExitErr())
	}

	h2 := newHelper(t, "stubborn", "ZM_PROC_STUBBORN=1")
	h2.spec.Grace = 100 * time.Millisecond
	p2 := startHelper(t, h2)
	if err := p2.Pause(); err != nil { // Stop must also deal with a paused process
		t.Fatal(err)
	}
	if err := p2.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ws, ok := exitStatus(p2); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("stubborn helper ended with %v, want SIGKILL after grace", p2.ExitErr())
	}
}

func exitStatus(p *Process) (syscall.WaitStatus, bool) {
	ee, ok := p.ExitErr().(*exec.ExitError)
	if !ok {
		return 0, false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ws, ok
}

func TestGroupCloseLeavesNoChild(t *testing.T) {
	var g Group
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var pids []int
	for i, env := range [][]string{nil, {"ZM_PROC_STUBBORN=1"}, nil} {
		h := newHelper(t, fmt.Sprintf("c%d", i), env...)
		h.spec.Grace = 200 * time.Millisecond
		p, err := g.Start(ctx, h.spec)
		if err != nil {
			g.Close(ctx)
			t.Fatal(err)
		}
		pids = append(pids, p.Pid(), h.leafPid(t))
	}
	if err := g.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		eventually(t, fmt.Sprintf("pid %d gone", pid), func() bool { return gone(pid) })
	}
	if err := g.Close(ctx); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := g.Start(ctx, newHelper(t, "late").spec); err != ErrGroupClosed {
		t.Fatalf("Start after Close: %v", err)
	}
}

func TestStartErrors(t *testing.T) {
	if _, err := Start(context.Background(), Spec{LogDir: t.TempDir()}); err == nil {
		t.Error("no name accepted")
	}
	if _, err := Start(context.Background(), Spec{Name: "x"}); err == nil {
		t.Error("no log dir accepted")
	}
	if _, err := Start(context.Background(), Spec{Name: "x", LogDir: t.TempDir(), Path: "/nonexistent/zonemesh"}); err == nil {
		t.Error("missing binary accepted")
	}
	// A process that exits before it is ready is reported, not waited on forever.
	_, err := Start(context.Background(), Spec{Name: "quitter", LogDir: t.TempDir(), Args: []string{"-test.run=^$"},
		Env: []string{"ZM_PROC_HELPER=none"}, Ready: Probe{TCP: freeAddr(t)}})
	if err == nil || !strings.Contains(err.Error(), "exited before ready") {
		t.Errorf("quitter: %v", err)
	}
}

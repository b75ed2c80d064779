package app

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/cptest"
)

func TestRunRefusesMalformedScenarioWithLine(t *testing.T) {
	f := filepath.Join(t.TempDir(), "bad.yaml")
	bad := "name: bad\ntopology:\n  zones:\n  - name: zone-a\n    ingress: 1\n    servces: []\nmesh: {name: default, mtls: true}\n"
	if err := os.WriteFile(f, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := Main([]string{"run", f, "--out", t.TempDir()}, nil, &out, &errb)
	if code == 0 {
		t.Fatalf("malformed scenario accepted: %s", out.String())
	}
	if msg := errb.String(); !strings.Contains(msg, "bad.yaml:6") || !strings.Contains(msg, "servces") {
		t.Fatalf("error does not name file:line and field: %q", msg)
	}
}

// TestRunInterruptLeavesNoProcess sends SIGINT to `zonemesh run` once the topology is up and
// checks that no process of the run survives it.
func TestRunInterruptLeavesNoProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a whole topology; skipped with -short")
	}
	bin := cptest.Binary(t)
	out := t.TempDir()
	cmd := exec.Command(bin, "run", "../../../scenarios/multizone-basic.yaml", "--out", out)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	up := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		closed := false
		for sc.Scan() {
			if !closed && strings.Contains(sc.Text(), "step 2") {
				close(up)
				closed = true
			}
		}
	}()
	select {
	case <-up:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the run never got to its timeline")
	}
	if n := processesOf(out); n == 0 {
		t.Fatal("no child processes found while the run was up: the check would prove nothing")
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("zonemesh run did not stop within 30s of SIGINT")
	}
	if n := processesOf(out); n != 0 {
		t.Fatalf("%d processes of the run outlived it", n)
	}
}

// processesOf counts live processes whose command line mentions dir (every component of a
// run gets its data or token files under the run's folder).
func processesOf(dir string) int {
	entries, _ := os.ReadDir("/proc")
	n := 0
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if strings.Contains(string(b), dir) && !strings.Contains(string(b), "zonemesh\x00run\x00") {
			st, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
			if f := strings.Fields(string(st)); len(f) > 2 && f[2] == "Z" {
				continue // a zombie has exited already
			}
			n++
		}
	}
	return n
}

package docker_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/zonemesh/zonemesh/controlplane/cptest"
	"github.com/zonemesh/zonemesh/harness/backend/docker"
	"github.com/zonemesh/zonemesh/harness/mesh"
	"github.com/zonemesh/zonemesh/scenarios"
)

// syncBuffer is a progress writer the bring-up's goroutines share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestInterruptedBringUpLeavesNothing does what Ctrl-C does in the middle of a bring-up: the
// context ends while pods are being created, then the mesh closes. Containers whose creation
// was cut short (the engine made them, the answer never came back) must go too.
func TestInterruptedBringUpLeavesNothing(t *testing.T) {
	cli := requireDocker(t)
	sc, err := scenarios.Parse("3x4.yaml", []byte(topology3x4(scenarios.BackendDocker)))
	if err != nil {
		t.Fatal(err)
	}
	var progress syncBuffer
	env, err := mesh.New(sc, mesh.Options{Out: t.TempDir(), Binary: cptest.Binary(t), Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	run := runID(t, progress.String())
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	up := make(chan error, 1)
	go func() { up <- env.Up(ctx) }()

	// Interrupt as soon as the first sidecar exists: the other pods are then mid-creation.
	f := client.Filters{}.Add("label", docker.LabelRun+"="+run)
	sidecars := 0
	for sidecars == 0 {
		cs, err := cli.ContainerList(context.Background(), client.ContainerListOptions{All: true, Filters: f})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs.Items {
			if strings.HasSuffix(c.Labels[docker.LabelComponent], "/dp") {
				sidecars++
			}
		}
		if sidecars > 0 {
			break
		}
		select {
		case err := <-up:
			t.Fatalf("the bring-up ended before any sidecar existed: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	err = <-up
	t.Logf("interrupted with %d sidecar(s) created; Up: %v", sidecars, err)
	env.Close()
	if c, n := leftovers(t, cli, run); c != 0 || n != 0 {
		t.Fatalf("after an interrupted bring-up and Close, run %s left %d containers and %d networks", run, c, n)
	}
}

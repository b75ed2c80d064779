package docker_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/cptest"
	"github.com/zonemesh/zonemesh/harness/mesh"
	"github.com/zonemesh/zonemesh/scenarios"
)

// mixed is one docker zone and one process zone behind a docker global.
const mixed = `name: mixed
topology:
  backend: docker
  global: {}
  zones:
  - name: zone-a
    ingress: 1
    services:
    - {name: frontend, version: v1, replicas: 1}
  - name: zone-b
    backend: process
    ingress: 1
    services:
    - {name: backend, version: v1, replicas: 1}
mesh: {name: default, mtls: true}
policies:
- kind: TrafficPermission
  mesh: default
  name: all
  spec:
    destination: {service: "*"}
    sources: [{service: "*"}]
    action: allow
`

type logWriter struct{ t *testing.T }

func (w logWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// callZone calls service from zone until it answers from want, or the deadline passes.
func callZone(ctx context.Context, t *testing.T, env *mesh.Env, from, service, want string) {
	t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last string
	for {
		a, err := env.Call(ctx, from, service, "/", http.Header{})
		if err == nil && a.Status == http.StatusOK && a.Zone == want {
			return
		}
		if err != nil {
			last = err.Error()
		} else {
			last = a.Body
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s → %s: no answer from %s: %s", from, service, want, last)
		case <-tick.C:
		}
	}
}

func TestMixedTopologyRoutesBothWaysAndLeavesNothing(t *testing.T) {
	cli := requireDocker(t)
	sc, err := scenarios.Parse("mixed.yaml", []byte(mixed))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	var progress strings.Builder
	env, err := mesh.New(sc, mesh.Options{Out: out, Binary: cptest.Binary(t), Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := env.Up(ctx); err != nil {
		t.Fatalf("up: %v\n%s", err, progress.String())
	}
	t.Log(progress.String())
	run := runID(t, progress.String())
	if err := env.Wait(ctx, &scenarios.Wait{For: scenarios.WaitConverged, Timeout: scenarios.Duration(30 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	callZone(ctx, t, env, "zone-a", "backend", "zone-b")  // docker pod → process zone
	callZone(ctx, t, env, "zone-b", "frontend", "zone-a") // process pod → docker zone

	// A two-way partition on the links cuts both directions; healing restores them.
	f := &scenarios.Fault{Name: "cut", Type: scenarios.FaultPartition, Link: scenarios.Link{From: "zone-a", To: "zone-b"}}
	in, err := env.Inject(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range [][2]string{{"zone-a", "backend"}, {"zone-b", "frontend"}} {
		cctx, ccancel := context.WithTimeout(ctx, 3*time.Second)
		a, err := env.Call(cctx, c[0], c[1], "/", http.Header{})
		ccancel()
		if err == nil && a.Status == http.StatusOK {
			t.Fatalf("%s → %s answered through a partition: %+v", c[0], c[1], a)
		}
	}
	if err := env.Heal(in); err != nil {
		t.Fatal(err)
	}
	callZone(ctx, t, env, "zone-a", "backend", "zone-b")

	// Kill and restart the docker pod that zone-b calls: the Docker API ends and restarts it.
	ref := &scenarios.ComponentRef{Zone: "zone-a", Component: scenarios.ComponentService, Service: "frontend"}
	if _, err := env.Do(ctx, scenarios.ActionKill, ref); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Do(ctx, scenarios.ActionRestart, ref); err != nil {
		t.Fatal(err)
	}
	callZone(ctx, t, env, "zone-b", "frontend", "zone-a")

	// Pause freezes the zone-a ingress: zone-b's calls stop; resume brings them back.
	ing := &scenarios.ComponentRef{Zone: "zone-a", Component: scenarios.ComponentIngress}
	if _, err := env.Do(ctx, scenarios.ActionPause, ing); err != nil {
		t.Fatal(err)
	}
	pctx, pcancel := context.WithTimeout(ctx, 2*time.Second)
	if a, err := env.Call(pctx, "zone-b", "frontend", "/", http.Header{}); err == nil && a.Status == http.StatusOK {
		t.Fatalf("zone-b reached zone-a through a paused ingress: %+v", a)
	}
	pcancel()
	if _, err := env.Do(ctx, scenarios.ActionResume, ing); err != nil {
		t.Fatal(err)
	}
	callZone(ctx, t, env, "zone-b", "frontend", "zone-a")

	env.Close()
	if c, n := leftovers(t, cli, run); c != 0 || n != 0 {
		t.Fatalf("after Close, run %s left %d containers and %d networks", run, c, n)
	}
}

// runID reads the run id from the bring-up progress ("docker: run <id>, image ...").
func runID(t *testing.T, progress string) string {
	t.Helper()
	_, rest, ok := strings.Cut(progress, "docker: run ")
	id, _, ok2 := strings.Cut(rest, ",")
	if !ok || !ok2 || id == "" {
		t.Fatalf("no docker run id in progress:\n%s", progress)
	}
	return id
}

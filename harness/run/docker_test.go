package run_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/cptest"
	"github.com/zonemesh/zonemesh/harness/backend/docker"
	"github.com/zonemesh/zonemesh/harness/run"
	"github.com/zonemesh/zonemesh/reports"
	"github.com/zonemesh/zonemesh/scenarios"
)

// TestDefaultScenarioOnDocker runs what `make run` runs, with every component a container
// (`zonemesh run scenarios/multizone-basic.yaml --backend docker`): every check must pass (with
// propagation bounds widened by testSlack), and afterwards the engine must hold no container and
// no network this process labelled.
func TestDefaultScenarioOnDocker(t *testing.T) {
	if testing.Short() {
		t.Skip("brings up the default scenario as containers (about a minute); skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cli, err := docker.Client(ctx)
	if errors.Is(err, docker.ErrUnavailable) {
		t.Skip("docker: no Docker engine answers on this machine")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	t.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	sc, err := scenarios.Load("../../scenarios/multizone-basic.yaml")
	if err != nil {
		t.Fatal(err)
	}
	loosenPropagation(t, sc)
	out := t.TempDir()
	r, err := run.New(sc, run.Options{Out: out, Binary: cptest.Binary(t), Backend: scenarios.BackendDocker, Progress: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Run(ctx)
	if err != nil {
		t.Fatalf("run: %v (evidence %s)", err, out)
	}
	for _, c := range res.Checks {
		t.Logf("check %s: %s %s", c.Name, c.Verdict, c.Message)
		if c.Verdict != reports.Pass {
			t.Errorf("check %s failed on docker: %s", c.Name, c.Message)
		}
	}
	if res.Verdict != reports.Pass {
		t.Errorf("verdict %s", res.Verdict)
	}

	cs, ns, err := docker.Labelled(ctx, cli, docker.LabelPID+"="+strconv.Itoa(os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	if cs != 0 || ns != 0 {
		t.Errorf("after the run, %d containers and %d networks of this process remain", cs, ns)
	}
}

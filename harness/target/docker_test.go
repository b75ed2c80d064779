package target

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/conformance"
	"github.com/zonemesh/zonemesh/controlplane/cptest"
	"github.com/zonemesh/zonemesh/harness/backend/docker"
)

// dockerProfiles are the profiles the docker run covers (see docs/bench/docker.md for how long
// each takes on docker).
const dockerProfiles = "core,routing,security,resilience,scale"

// TestConformanceOnDocker runs `zonemesh conformance --backend docker` in a child process (ginkgo
// runs once per process and TestConformanceReferenceMesh is this process's run): every MUST must
// succeed, every other result carry a reason, and afterwards the engine must hold no container
// and no network of the run.
func TestConformanceOnDocker(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 3-zone mesh of containers and runs the catalog (a few minutes); skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cli, err := docker.Client(ctx)
	if errors.Is(err, docker.ErrUnavailable) {
		t.Skip("docker: no Docker engine answers on this machine")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	bin := cptest.Binary(t)
	out := t.TempDir()
	cmd := exec.CommandContext(ctx, bin, "conformance", "--backend", "docker", "--profile", dockerProfiles,
		"--out", out, "--log-level", "warn")
	cmd.Env = append(os.Environ(), "TESTCONTAINERS_RYUK_DISABLED=true")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run() // a non-zero exit is judged from the report below
	t.Logf("zonemesh conformance --backend docker: %v\n%s", runErr, stdout.String())
	pid := cmd.Process.Pid

	b, err := os.ReadFile(filepath.Join(out, "conformance-report.json"))
	if err != nil {
		t.Fatalf("no report (%v): %v\nstderr:\n%s", runErr, err, stderr.String())
	}
	var rep conformance.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Backend != "docker" {
		t.Errorf("report backend %q, want docker", rep.Backend)
	}
	if len(rep.Requirements) == 0 {
		t.Fatal("the report lists no requirement")
	}
	secs := map[conformance.Profile]float64{}
	for _, q := range rep.Requirements {
		secs[q.Profile] += q.DurationSeconds
		switch {
		case q.Level == conformance.Must && q.Result != conformance.Succeeded:
			t.Errorf("%s (MUST) %s on docker: %s", q.ID, q.Result, q.Reason)
		case q.Result != conformance.Succeeded && q.Reason == "":
			t.Errorf("%s %s without a reason", q.ID, q.Result)
		}
	}
	for _, p := range rep.Profiles {
		t.Logf("profile %s: %d Succeeded, %d Failed, %d Skipped, %d NotSupported in %.1fs", p.Name, p.Succeeded, p.Failed, p.Skipped, p.NotSupported, secs[p.Name])
	}
	t.Logf("whole run %.1fs (bring-up and convergence included)", rep.DurationSeconds)

	// The child labelled everything with its run id and pid; after it exits neither label may
	// match anything (what `docker ps -a` and `docker network ls` would show).
	run := ""
	if _, rest, ok := strings.Cut(stderr.String(), "docker: run "); ok {
		run, _, _ = strings.Cut(rest, ",")
	}
	if run == "" {
		t.Fatalf("no docker run id in the child's progress:\n%s", stderr.String())
	}
	for _, sel := range []string{docker.LabelRun + "=" + run, docker.LabelPID + "=" + strconv.Itoa(pid)} {
		cs, ns, err := docker.Labelled(ctx, cli, sel)
		if err != nil {
			t.Fatal(err)
		}
		if cs != 0 || ns != 0 {
			t.Errorf("after the run, %s still labels %d containers and %d networks", sel, cs, ns)
		}
	}
}

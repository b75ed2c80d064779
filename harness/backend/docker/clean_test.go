package docker_test

import (
	"context"
	"testing"

	"github.com/moby/moby/client"

	"github.com/zonemesh/zonemesh/harness/backend/docker"
)

// A crashed run leaves labelled objects behind; Clean removes them and leaves a run whose
// harness still runs alone.
func TestCleanRemovesRunsOfDeadHarnessesOnly(t *testing.T) {
	cli := requireDocker(t)
	ctx := context.Background()
	mk := func(run, pid string) {
		t.Helper()
		_, err := cli.NetworkCreate(ctx, "zm-"+run+"-wan", client.NetworkCreateOptions{Driver: "bridge",
			Labels: map[string]string{docker.LabelRun: run, docker.LabelPID: pid}})
		if err != nil {
			t.Fatal(err)
		}
	}
	// pid 0 is never a live harness; pid 1 always runs.
	mk("cleantest-dead", "0")
	mk("cleantest-live", "1")
	t.Cleanup(func() { _, _ = docker.Clean(ctx, cli, docker.CleanOptions{RunID: "cleantest-live"}) })
	res, err := docker.Clean(ctx, cli, docker.CleanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c, n := leftovers(t, cli, "cleantest-dead"); c+n != 0 {
		t.Fatalf("dead run left %d containers, %d networks (cleaned %+v)", c, n, res)
	}
	if _, n := leftovers(t, cli, "cleantest-live"); n != 1 {
		t.Fatalf("live run lost its network (cleaned %+v)", res)
	}
	res, err = docker.Clean(ctx, cli, docker.CleanOptions{RunID: "cleantest-live"})
	if err != nil || res.Networks != 1 {
		t.Fatalf("clean --run: %+v, %v", res, err)
	}
}

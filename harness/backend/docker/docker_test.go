package docker_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tc "github.com/testcontainers/testcontainers-go"

	"github.com/zonemesh/zonemesh/controlplane/cptest"
	"github.com/zonemesh/zonemesh/harness/backend/docker"
)

// requireDocker skips, with a one-line reason, where no Docker engine answers.
func requireDocker(t testing.TB) *tc.DockerClient {
	t.Helper()
	cli, err := docker.Client(context.Background())
	if errors.Is(err, docker.ErrUnavailable) {
		t.Skip("docker: no Docker engine answers on this machine")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

func TestImageIsBuiltOnceAndNeverPulled(t *testing.T) {
	cli := requireDocker(t)
	bin := cptest.Binary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ref, _, err := docker.EnsureImage(ctx, cli, bin, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := docker.ImageRef(bin)
	if ref != want || !strings.HasPrefix(ref, docker.ImageRepo+":") {
		t.Fatalf("image %q, want %q", ref, want)
	}
	again, built, err := docker.EnsureImage(ctx, cli, bin, nil)
	if err != nil || built || again != ref {
		t.Fatalf("second EnsureImage = %q built=%v err=%v; want the existing image, no build", again, built, err)
	}
	img, err := cli.ImageInspect(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if img.Config == nil || len(img.Config.Entrypoint) != 1 || img.Config.Entrypoint[0] != "/zonemesh" {
		t.Fatalf("entrypoint %v, want [/zonemesh]", img.Config)
	}
	if img.Config.Labels[docker.LabelImage] != "true" {
		t.Fatalf("image labels %v lack %s", img.Config.Labels, docker.LabelImage)
	}
}

// leftovers counts the containers and networks labelled with run.
func leftovers(t *testing.T, cli *tc.DockerClient, run string) (int, int) {
	t.Helper()
	cs, ns, err := docker.Labelled(context.Background(), cli, docker.LabelRun+"="+run)
	if err != nil {
		t.Fatal(err)
	}
	return cs, ns
}

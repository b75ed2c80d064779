package docker_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/zonemesh/zonemesh/controlplane/cptest"
	"github.com/zonemesh/zonemesh/harness/backend/docker"
	"github.com/zonemesh/zonemesh/harness/mesh"
	"github.com/zonemesh/zonemesh/scenarios"
)

// BenchmarkImageBuild times building the image from nothing (cold: the tag is removed first)
// and finding it (warm: the binary did not change).
func BenchmarkImageBuild(b *testing.B) {
	cli := requireDocker(b)
	bin := cptest.Binary(b)
	ctx := context.Background()
	ref, err := docker.ImageRef(bin)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			_, _ = cli.ImageRemove(ctx, ref, client.ImageRemoveOptions{Force: true, PruneChildren: true})
			b.StartTimer()
			if _, built, err := docker.EnsureImage(ctx, cli, bin, nil); err != nil || !built {
				b.Fatalf("built=%v err=%v", built, err)
			}
		}
	})
	b.Run("warm", func(b *testing.B) {
		for b.Loop() {
			if _, built, err := docker.EnsureImage(ctx, cli, bin, nil); err != nil || built {
				b.Fatalf("built=%v err=%v", built, err)
			}
		}
	})
}

// topology3x4 is 3 zones of 4 services (one replica each) and one ingress per zone.
func topology3x4(backend string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "name: bringup-3x4\ntopology:\n  backend: %s\n  global: {}\n  zones:\n", backend)
	for _, z := range []string{"zone-a", "zone-b", "zone-c"} {
		fmt.Fprintf(&sb, "  - name: %s\n    ingress: 1\n    services:\n", z)
		for _, s := range []string{"frontend", "web", "backend", "db"} {
			fmt.Fprintf(&sb, "    - {name: %s, version: v1, replicas: 1}\n", s)
		}
	}
	sb.WriteString("mesh: {name: default, mtls: true}\n")
	return sb.String()
}

// BenchmarkBringUp3x4 times New + Up + converged for 3 zones × 4 services on the docker
// backend, with the process backend as the baseline; teardown is not timed.
func BenchmarkBringUp3x4(b *testing.B) {
	requireDocker(b)
	bin := cptest.Binary(b)
	for _, be := range []string{scenarios.BackendProcess, scenarios.BackendDocker} {
		b.Run(be, func(b *testing.B) {
			sc, err := scenarios.Parse("3x4.yaml", []byte(topology3x4(be)))
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				env, err := mesh.New(sc, mesh.Options{Out: b.TempDir(), Binary: bin, Progress: io.Discard})
				if err != nil {
					b.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
				err = env.Up(ctx)
				if err == nil {
					err = env.Wait(ctx, &scenarios.Wait{For: scenarios.WaitConverged, Timeout: scenarios.Duration(time.Minute)})
				}
				cancel()
				b.StopTimer()
				env.Close()
				b.StartTimer()
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

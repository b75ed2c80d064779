package kind_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/harness/backend"
	"github.com/zonemesh/zonemesh/harness/backend/kind"
	"github.com/zonemesh/zonemesh/harness/topology"
)

// An absent node image stops the backend before kind is called: the error names the image
// and docker load, and the only docker command run is `image inspect` (no pull, no retry).
func TestMissingNodeImageFailsAtOnce(t *testing.T) {
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("kind backend: docker CLI not on PATH")
	}
	if out, err := exec.Command("docker", "version", "--format", "{{.Server.Version}}").CombinedOutput(); err != nil {
		t.Skipf("kind backend: no Docker daemon: %s", strings.TrimSpace(string(out)))
	}
	const image = "kindest/node:v0.0.0-zonemesh-absent"
	b, err := kind.New(kind.Options{Dir: t.TempDir(), NodeImage: image, Image: "zonemesh/zonemesh:absent"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(context.Background())
	start := time.Now()
	_, err = b.StartZone(context.Background(), topology.Component{Name: "zone-1/cp", Zone: "zone-1"}, backend.ZoneSpec{})
	took := time.Since(start)
	if err == nil {
		t.Fatal("started a zone without a node image")
	}
	for _, want := range []string{image, "docker load -i", "does not pull"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	t.Logf("failed after %v: %v", took, err)
	// Nothing was created: no kind cluster by the zone's name exists.
	out, _ := exec.Command("docker", "ps", "-a", "--filter", "label=io.x-k8s.kind.cluster=zonemesh-zone-1", "--format", "{{.Names}}").Output()
	if s := strings.TrimSpace(string(out)); s != "" {
		t.Fatalf("kind containers exist: %s", s)
	}
}

func TestCheckNodeImageFindsLocalImage(t *testing.T) {
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("kind backend: docker CLI not on PATH")
	}
	out, err := exec.Command("docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}").Output()
	if err != nil {
		t.Skipf("kind backend: no Docker daemon: %v", err)
	}
	var present string
	for _, l := range strings.Fields(string(out)) {
		if !strings.Contains(l, "<none>") {
			present = l
			break
		}
	}
	if present == "" {
		t.Skip("kind backend: no tagged local image to check against")
	}
	if err := kind.CheckNodeImage(context.Background(), "docker", present); err != nil {
		t.Fatalf("local image %s: %v", present, err)
	}
}

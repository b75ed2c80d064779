package app

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/xds/server/servertest"
	"github.com/zonemesh/zonemesh/controlplane/xds/xdstest"
)

func TestFakeProxiesCommand(t *testing.T) {
	env := servertest.Start(t, "zone-1", []*resource.Resource{
		{Kind: resource.KindMesh, Meta: resource.Meta{Name: "default"}, Spec: &resource.MeshSpec{MTLS: resource.MTLS{Enabled: true}}},
		xdstest.MeshCA(t, "default"),
	})
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, env.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	for _, n := range []string{"fake-0", "fake-1", "fake-2"} {
		tokens[n] = env.Token(t, "default", n)
	}
	b, _ := json.Marshal(tokens)
	tokFile := filepath.Join(dir, "tokens.json")
	if err := os.WriteFile(tokFile, b, 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- runFakeProxies(ctx, Streams{Out: pw, Err: io.Discard}, []string{"--cp", env.Addr, "--ca-file", caFile,
			"--zone", "zone-1", "--count", "3", "--services", "2", "--tokens-file", tokFile})
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	converged := false
	for sc.Scan() {
		if strings.Contains(sc.Text(), "all 3 have their config") {
			converged = true
			break
		}
	}
	if !converged {
		t.Fatalf("fakeproxies ended before converging: %v", <-done)
	}
	if n := len(env.Server.Proxies()); n != 3 {
		t.Fatalf("control plane sees %d proxies", n)
	}
	cancel()
	go io.Copy(io.Discard, pr)
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	err := runFakeProxies(context.Background(), Streams{Out: io.Discard, Err: io.Discard}, []string{"--cp", env.Addr, "--zone", "z"})
	if err == nil || !strings.Contains(err.Error(), "--ca-file") {
		t.Fatalf("missing --ca-file: %v", err)
	}
}

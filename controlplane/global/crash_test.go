package global_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/api"
	"github.com/zonemesh/zonemesh/controlplane/auth"
	"github.com/zonemesh/zonemesh/controlplane/cptest"
	"github.com/zonemesh/zonemesh/controlplane/global"
	"github.com/zonemesh/zonemesh/controlplane/resource"
)

func startGlobalProcess(t *testing.T, bin, dir, apiAddr, kdsAddr string) *exec.Cmd {
	t.Helper()
	log, err := os.OpenFile(filepath.Join(dir, "..", "global.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "global", "--data-dir", dir, "--api-addr", apiAddr, "--kds-addr", kdsAddr, "--keepalive", "1s", "--keepalive-timeout", "1s")
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); log.Close() })
	c := &api.Client{BaseURL: "http://" + apiAddr}
	cptest.Eventually(t, 10*time.Second, "global serving", func() error {
		_, err := c.List(context.Background(), resource.KindMesh, "")
		return err
	})
	return cmd
}

func policy(i int) string {
	return fmt.Sprintf("kind: Timeout\nmesh: default\nname: t-%04d\nspec: {destination: {service: backend}, request: %dms}\n", i, 100+i)
}

// TestKilledGlobalLosesNoAcknowledgedWrite kills global with SIGKILL in the middle of a stream
// of writes, restarts it on the same data dir, and checks every acknowledged write survived,
// that the zone kept its state while global was down, and that it converges afterwards.
func TestKilledGlobalLosesNoAcknowledgedWrite(t *testing.T) {
	bin := cptest.Binary(t)
	root := t.TempDir()
	dir := filepath.Join(root, "global")
	apiAddr, kdsAddr := cptest.FreeAddr(t), cptest.FreeAddr(t)
	cmd := startGlobalProcess(t, bin, dir, apiAddr, kdsAddr)
	token, err := auth.ReadTokenFile(filepath.Join(dir, global.AdminTokenFile))
	if err != nil {
		t.Fatal(err)
	}
	c := &api.Client{BaseURL: "http://" + apiAddr, Token: token}
	ctx := context.Background()
	if _, err := c.Apply(ctx, []byte("kind: Mesh\nname: default\nspec: {mtls: {enabled: true}}\n")); err != nil {
		t.Fatal(err)
	}
	signer, err := auth.LoadSigner(filepath.Join(dir, global.ZoneTokenKeyFile), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	ztok, err := signer.IssueZoneToken("zone-a", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	z := cptest.StartZoneFor(t, "zone-a", kdsAddr, filepath.Join(dir, global.CADir, "ca.pem"), ztok)

	// Write until the writer sees global die; remember what global acknowledged.
	var mu sync.Mutex
	var acked []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			rs, err := c.Apply(ctx, []byte(policy(i)))
			if err != nil {
				return
			}
			mu.Lock()
			acked = append(acked, rs[0].Name)
			mu.Unlock()
		}
	}()
	cptest.Eventually(t, 20*time.Second, "50 writes acknowledged", func() error {
		mu.Lock()
		defer mu.Unlock()
		if len(acked) < 50 {
			return cptest.Errorf("%d acknowledged", len(acked))
		}
		return nil
	})
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-done
	mu.Lock()
	want := append([]string(nil), acked...)
	mu.Unlock()
	t.Logf("global killed after %d acknowledged writes", len(want))

	// While global is down the zone keeps what it had.
	time.Sleep(300 * time.Millisecond)
	held, err := z.Store().List(ctx, resource.KindTimeout, "default")
	if err != nil || len(held) == 0 {
		t.Fatalf("zone lost its state while global was down: %d resources, %v", len(held), err)
	}

	startGlobalProcess(t, bin, dir, apiAddr, kdsAddr)
	got, err := c.List(ctx, resource.KindTimeout, "default")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, r := range got {
		have[r.Name] = true
	}
	for _, n := range want {
		if !have[n] {
			t.Errorf("acknowledged write %s lost", n)
		}
	}
	t.Logf("checked acknowledged writes at %v", time.Now().Format("15:04:05.000"))
	// The zone reconnects and converges on global's state.
	cptest.Eventually(t, 15*time.Second, "zone converged", func() error {
		zs, err := z.Store().List(ctx, resource.KindTimeout, "default")
		if err != nil {
			return err
		}
		if len(zs) != len(got) {
			return cptest.Errorf("zone has %d, global %d", len(zs), len(got))
		}
		return nil
	})
	t.Logf("converged at %v", time.Now().Format("15:04:05.000"))
}

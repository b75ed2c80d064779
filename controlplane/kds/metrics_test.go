package kds

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/credentials"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

func TestMetricsAreExported(t *testing.T) {
	pki := newPKI(t)
	ctx := context.Background()
	zreg := prometheus.NewRegistry()
	g := startGlobal(t, pki, store.NewMemory(time.Now), "", fastKA)
	if _, err := newServerMetrics(g.reg); err == nil {
		t.Error("registering the server metrics twice did not fail")
	}

	zst := store.NewMemory(time.Now)
	zc := NewZoneClient(ZoneOptions{Zone: "zone-a", GlobalAddr: g.addr, TLS: credentials.NewTLS(pki.client),
		Token: "token-a", Store: zst, Registerer: zreg, Keepalive: fastKA})
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = zc.Run(cctx) }()
	defer func() { cancel(); <-done }()

	if _, err := g.store.Put(ctx, permission("default", "p", "web")); err != nil {
		t.Fatal(err)
	}
	waitStore(t, zst, "zone has the policy", has(key(resource.KindTrafficPermission, "default", "p"), nil))
	// Global sends the next push only after the zone ACKed the previous one, so once the second
	// policy is in, the first ACK has been counted on both sides.
	if _, err := g.store.Put(ctx, permission("default", "q", "web")); err != nil {
		t.Fatal(err)
	}
	waitStore(t, zst, "zone has the second policy", has(key(resource.KindTrafficPermission, "default", "q"), nil))

	families, err := zreg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range families {
		got[f.GetName()] = true
		if f.GetName() == "zonemesh_kds_push_latency_seconds" {
			if n := f.GetMetric()[0].GetHistogram().GetSampleCount(); n == 0 {
				t.Error("push latency histogram is empty")
			}
		}
	}
	for _, name := range []string{"zonemesh_kds_connected", "zonemesh_kds_push_latency_seconds", "zonemesh_kds_applied_total", "zonemesh_kds_sent_acks_total"} {
		if !got[name] {
			t.Errorf("zone metric %s missing (have %v)", name, got)
		}
	}
	gfams, err := g.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	ggot := map[string]bool{}
	for _, f := range gfams {
		ggot[f.GetName()] = true
	}
	for _, name := range []string{"zonemesh_kds_zone_online", "zonemesh_kds_global_resources", "zonemesh_kds_pushes_total", "zonemesh_kds_down_acks_total", "zonemesh_kds_up_messages_total"} {
		if !ggot[name] {
			t.Errorf("global metric %s missing (have %v)", name, ggot)
		}
	}
}

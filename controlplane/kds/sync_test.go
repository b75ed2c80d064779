package kds

import (
	"context"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"strings"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

var fastKA = Keepalive{Time: time.Second, Timeout: time.Second}

// twoZones starts global on a memory store and zones a and b.
func twoZones(t *testing.T) (*globalEnv, *zoneEnv, *zoneEnv) {
	pki := newPKI(t)
	g := startGlobal(t, pki, store.NewMemory(time.Now), "", fastKA)
	a := startZone(t, pki, "zone-a", "token-a", g.addr, fastKA)
	b := startZone(t, pki, "zone-b", "token-b", g.addr, fastKA)
	g.waitOnline(t, "zone-a", true)
	g.waitOnline(t, "zone-b", true)
	return g, a, b
}

func TestPolicyPropagatesToEveryZone(t *testing.T) {
	g, a, b := twoZones(t)
	ctx := context.Background()
	k := key(resource.KindTrafficPermission, "default", "allow-web")

	put, err := g.store.Put(ctx, permission("default", "allow-web", "web"))
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range []*zoneEnv{a, b} {
		waitStore(t, z.store, z.name+" has the policy", has(k, nil))
		got, _ := z.store.Get(ctx, k)
		if got.Version != put.Version || got.Origin != resource.OriginGlobal || !got.ModificationTime.Equal(put.ModificationTime) {
			t.Errorf("%s: meta %+v, want global's %+v", z.name, got.Meta, put.Meta)
		}
	}

	upd := permission("default", "allow-web", "api")
	if _, err := g.store.Put(ctx, upd); err != nil {
		t.Fatal(err)
	}
	for _, z := range []*zoneEnv{a, b} {
		waitStore(t, z.store, z.name+" has the update", has(k, func(r *resource.Resource) bool {
			return r.Spec.(*resource.TrafficPermissionSpec).Sources[0].Service == "api"
		}))
	}

	if err := g.store.Delete(ctx, k); err != nil {
		t.Fatal(err)
	}
	for _, z := range []*zoneEnv{a, b} {
		waitStore(t, z.store, z.name+" lost the policy", gone(k))
		if rs, _ := z.store.List(ctx, resource.KindTrafficPermission, ""); len(rs) != 0 {
			t.Errorf("%s: stale policies after delete: %v", z.name, rs)
		}
	}
	st, _ := g.srv.Status("zone-a")
	if st.APIAddress != "127.0.0.1:5681" || st.ConnectedSince.IsZero() || st.LastSeen.IsZero() {
		t.Errorf("zone-a status %+v: want API address, connectedSince and lastSeen", st)
	}
	if _, err := g.store.Get(ctx, key(resource.KindZone, "", "zone-a")); err != nil {
		t.Errorf("Zone resource not written at global: %v", err)
	}
}

func TestZoneResourcesGoUpAndIngressesAcross(t *testing.T) {
	g, a, b := twoZones(t)
	ctx := context.Background()
	if _, err := a.store.Put(ctx, dataplane("web-1", "web")); err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.Put(ctx, ingress("ingress", "zone-a")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.Put(ctx, dataplane("web-1", "web")); err != nil {
		t.Fatal(err)
	}

	for _, zone := range []string{"zone-a", "zone-b"} {
		dk := key(resource.KindDataplane, "default", zone+".web-1")
		waitStore(t, g.store, "global has "+dk.String(), has(dk, func(r *resource.Resource) bool { return r.Origin == zone }))
	}
	ik := key(resource.KindZoneIngress, "", "zone-a.ingress")
	waitStore(t, b.store, "zone-b has zone-a's ingress", has(ik, func(r *resource.Resource) bool { return r.Origin == "zone-a" }))
	if _, err := a.store.Get(ctx, ik); err == nil {
		t.Error("zone-a got its own ingress back")
	}
	if dps, _ := b.store.List(ctx, resource.KindDataplane, ""); len(dps) != 1 {
		t.Errorf("zone-b has %d dataplanes, want only its own (dataplanes are not synced down)", len(dps))
	}

	// A delete in the zone removes the resource at global and, for an ingress, in other zones.
	if err := a.store.Delete(ctx, key(resource.KindZoneIngress, "", "ingress")); err != nil {
		t.Fatal(err)
	}
	waitStore(t, g.store, "global lost zone-a's ingress", gone(ik))
	waitStore(t, b.store, "zone-b lost zone-a's ingress", gone(ik))
	st, _ := g.srv.Status("zone-a")
	if st.Up[resource.KindDataplane] != 1 {
		t.Errorf("zone-a status Up = %v, want 1 dataplane", st.Up)
	}
}

func TestClosedStreamMarksZoneOfflineAtOnce(t *testing.T) {
	g, a, _ := twoZones(t)
	a.stop()
	st := g.waitOnline(t, "zone-a", false)
	if st.Disconnects != 1 || !st.ConnectedSince.IsZero() {
		t.Errorf("status after close %+v: want 1 disconnect and no connectedSince", st)
	}
	if s, _ := g.srv.Status("zone-b"); !s.Online {
		t.Error("zone-b went offline with zone-a")
	}
	if a.client.Connected() {
		t.Error("stopped client still reports Connected")
	}
}

func TestBadTokenIsRefusedBeforeAnyExchange(t *testing.T) {
	pki := newPKI(t)
	ctx := context.Background()
	gst := store.NewMemory(time.Now)
	if _, err := gst.Put(ctx, permission("default", "p", "web")); err != nil {
		t.Fatal(err)
	}
	g := startGlobal(t, pki, gst, "", fastKA)
	z := startZone(t, pki, "zone-a", "wrong", g.addr, fastKA)
	if _, err := z.store.Put(ctx, dataplane("web-1", "web")); err != nil {
		t.Fatal(err)
	}
	// The refusal is recorded at global with its reason; wait for it there.
	st := g.waitStatus(t, "zone-a", "a refusal", func(s ZoneStatus) bool { return s.LastError != "" })
	if st.Online || !strings.Contains(st.LastError, "token refused") {
		t.Errorf("status of refused zone %+v", st)
	}
	select {
	case <-z.state:
	case <-time.After(20 * time.Second):
		t.Fatal("client never reported the end of its attempt")
	}
	z.stop()
	if err := z.client.LastError(); err == nil || !strings.Contains(err.Error(), "token refused") || status.Code(err) != codes.Unauthenticated {
		t.Errorf("client LastError = %v, want the refusal", err)
	}
	if rs, _ := z.store.List(ctx, resource.KindTrafficPermission, ""); len(rs) != 0 {
		t.Errorf("refused zone received %d policies", len(rs))
	}
	if rs, _ := gst.List(ctx, resource.KindDataplane, ""); len(rs) != 0 {
		t.Errorf("refused zone uploaded %d dataplanes", len(rs))
	}
	if _, err := gst.Get(ctx, key(resource.KindZone, "", "zone-a")); err == nil {
		t.Error("refused zone was registered")
	}
}

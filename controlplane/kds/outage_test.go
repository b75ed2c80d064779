package kds

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// A frozen link (TCP open, nothing moving) is found by keepalive: the zone goes offline,
// keeps what it had, and after the link thaws it comes back and gets what changed meanwhile.
func TestHungLinkIsDetectedAndHeals(t *testing.T) {
	pki := newPKI(t)
	ctx := context.Background()
	g := startGlobal(t, pki, store.NewMemory(time.Now), "", fastKA)
	r := startRelay(t, g.addr)
	a := startZone(t, pki, "zone-a", "token-a", r.addr(), fastKA)
	g.waitOnline(t, "zone-a", true)

	before := key(resource.KindTrafficPermission, "default", "before")
	if _, err := g.store.Put(ctx, permission("default", "before", "web")); err != nil {
		t.Fatal(err)
	}
	waitStore(t, a.store, "zone-a has the first policy", has(before, nil))

	r.freeze()
	st := g.waitOnline(t, "zone-a", false)
	if st.Disconnects != 1 {
		t.Errorf("disconnects = %d, want 1", st.Disconnects)
	}
	during := key(resource.KindTrafficPermission, "default", "during")
	if _, err := g.store.Put(ctx, permission("default", "during", "web")); err != nil {
		t.Fatal(err)
	}
	if err := g.store.Delete(ctx, before); err != nil {
		t.Fatal(err)
	}
	// The zone keeps serving its last state while cut off.
	if _, err := a.store.Get(ctx, before); err != nil {
		t.Errorf("zone-a lost a policy while global was unreachable: %v", err)
	}

	// The zone notices too (its heartbeat goes unanswered) instead of waiting on a dead link.
	deadline := time.After(20 * time.Second)
	for noticed := false; !noticed; {
		select {
		case err := <-a.state:
			noticed = err != nil && strings.Contains(err.Error(), "global silent")
		case <-deadline:
			t.Fatal("zone-a never noticed the hung link")
		}
	}
	if a.client.Connected() {
		t.Error("zone-a reports Connected over a hung link")
	}

	r.unfreeze()
	g.waitOnline(t, "zone-a", true)
	waitStore(t, a.store, "zone-a got the change made during the freeze", has(during, nil))
	waitStore(t, a.store, "zone-a dropped the policy deleted during the freeze", gone(before))
}

// Global restarts on the same store: zones reconnect by themselves, resync both ways, and
// what changed while they were away (including deletes) is applied with no zombies.
func TestGlobalRestartResyncs(t *testing.T) {
	pki := newPKI(t)
	ctx := context.Background()
	gst := store.NewMemory(time.Now)
	g := startGlobal(t, pki, gst, "", fastKA)
	a := startZone(t, pki, "zone-a", "token-a", g.addr, fastKA)
	b := startZone(t, pki, "zone-b", "token-b", g.addr, fastKA)
	g.waitOnline(t, "zone-a", true)
	g.waitOnline(t, "zone-b", true)

	keep := key(resource.KindTrafficPermission, "default", "keep")
	drop := key(resource.KindTrafficPermission, "default", "drop")
	for _, n := range []string{"keep", "drop"} {
		if _, err := gst.Put(ctx, permission("default", n, "web")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.store.Put(ctx, dataplane("old", "web")); err != nil {
		t.Fatal(err)
	}
	for _, z := range []*zoneEnv{a, b} {
		waitStore(t, z.store, z.name+" has both policies", func(c context.Context, s store.Store) bool {
			return has(keep, nil)(c, s) && has(drop, nil)(c, s)
		})
	}
	oldDP := key(resource.KindDataplane, "default", "zone-a.old")
	waitStore(t, gst, "global has zone-a's dataplane", has(oldDP, nil))

	g.stop()
	// While global is down: a policy is deleted and one added at global (e.g. by a restore),
	// and zone-a swaps its dataplane.
	if err := gst.Delete(ctx, drop); err != nil {
		t.Fatal(err)
	}
	added := key(resource.KindTrafficPermission, "default", "added")
	if _, err := gst.Put(ctx, permission("default", "added", "web")); err != nil {
		t.Fatal(err)
	}
	if err := a.store.Delete(ctx, key(resource.KindDataplane, "default", "old")); err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.Put(ctx, dataplane("new", "web")); err != nil {
		t.Fatal(err)
	}

	g2 := startGlobal(t, pki, gst, g.addr, fastKA)
	g2.waitOnline(t, "zone-a", true)
	g2.waitOnline(t, "zone-b", true)
	for _, z := range []*zoneEnv{a, b} {
		waitStore(t, z.store, z.name+" resynced", func(c context.Context, s store.Store) bool {
			return has(keep, nil)(c, s) && has(added, nil)(c, s) && gone(drop)(c, s)
		})
	}
	waitStore(t, gst, "global resynced zone-a's dataplanes", func(c context.Context, s store.Store) bool {
		return gone(oldDP)(c, s) && has(key(resource.KindDataplane, "default", "zone-a.new"), nil)(c, s)
	})
}

// Close on the GlobalServer ends every KDS stream (the zones see it and retry), even before the
// grpc.Server itself is stopped.
func TestGlobalCloseEndsStreams(t *testing.T) {
	g, _, _ := twoZones(t)
	g.srv.Close()
	g.waitOnline(t, "zone-a", false)
	g.waitOnline(t, "zone-b", false)
}

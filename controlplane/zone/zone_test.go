package zone_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/api"
	"github.com/zonemesh/zonemesh/controlplane/cptest"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
	"github.com/zonemesh/zonemesh/controlplane/zone"
)

const meshAndPolicy = `kind: Mesh
name: default
spec: {mtls: {enabled: true}}
---
kind: TrafficPermission
mesh: default
name: frontend-to-backend
spec:
  destination: {service: backend}
  sources: [{service: frontend}]
  action: allow
`

var tpKey = resource.Key{Kind: resource.KindTrafficPermission, Mesh: "default", Name: "frontend-to-backend"}

func online(c *api.Client, zones ...string) func() error {
	return func() error {
		st, err := c.Zones(context.Background())
		if err != nil {
			return err
		}
		on := map[string]bool{}
		for _, s := range st {
			on[s.Name] = s.Online
		}
		for _, z := range zones {
			if !on[z] {
				return cptest.Errorf("zone %s not online: %+v", z, st)
			}
		}
		return nil
	}
}

func offline(c *api.Client, z string) func() error {
	return func() error {
		st, err := c.Zones(context.Background())
		if err != nil {
			return err
		}
		for _, s := range st {
			if s.Name == z && !s.Online {
				return nil
			}
		}
		return cptest.Errorf("zone %s still online", z)
	}
}

// hasVersion waits for key at version v (0: absent) in a zone store.
func hasVersion(z *zone.Zone, key resource.Key, v uint64) func() error {
	return func() error {
		r, err := z.Store().Get(context.Background(), key)
		if v == 0 {
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			return cptest.Errorf("%s still present (err %v)", key, err)
		}
		if err != nil {
			return err
		}
		if r.Version != v {
			return cptest.Errorf("%s at version %d, want %d", key, r.Version, v)
		}
		return nil
	}
}

func TestPolicyLifecyclePropagatesToEveryZone(t *testing.T) {
	g := cptest.StartGlobal(t, "")
	a := cptest.StartZone(t, g, "zone-a", cptest.ZoneOptions{})
	b := cptest.StartZone(t, g, "zone-b", cptest.ZoneOptions{})
	c := cptest.Client(g)
	ctx := context.Background()
	cptest.Eventually(t, 5*time.Second, "both zones online", online(c, "zone-a", "zone-b"))

	rs, err := c.Apply(ctx, []byte(meshAndPolicy))
	if err != nil {
		t.Fatal(err)
	}
	v1 := rs[1].Version
	for _, z := range []*zone.Zone{a, b} {
		cptest.Eventually(t, 5*time.Second, "policy in zone", hasVersion(z, tpKey, v1))
		cptest.Eventually(t, 5*time.Second, "mesh CA in zone", hasVersion(z, resource.Key{Kind: resource.KindMeshCA, Mesh: "default", Name: "ca"}, 1))
	}
	got, _ := a.Store().Get(ctx, tpKey)
	if got.Origin != resource.OriginGlobal || got.Spec.(*resource.TrafficPermissionSpec).Action != "allow" {
		t.Fatalf("zone copy: %+v", got)
	}

	upd, err := c.Apply(ctx, []byte(strings.Replace(meshAndPolicy, "action: allow", "action: deny", 1)))
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range []*zone.Zone{a, b} {
		cptest.Eventually(t, 5*time.Second, "update in zone", hasVersion(z, tpKey, upd[1].Version))
		r, _ := z.Store().Get(ctx, tpKey)
		if r.Spec.(*resource.TrafficPermissionSpec).Action != "deny" {
			t.Fatalf("update not applied: %+v", r.Spec)
		}
	}

	if err := c.Delete(ctx, tpKey); err != nil {
		t.Fatal(err)
	}
	for _, z := range []*zone.Zone{a, b} {
		cptest.Eventually(t, 5*time.Second, "delete in zone", hasVersion(z, tpKey, 0))
		left, _ := z.Store().List(ctx, resource.KindTrafficPermission, "")
		if len(left) != 0 {
			t.Fatalf("stale policies after delete: %v", left)
		}
	}
}

func TestZoneResourcesSyncUpAndAcross(t *testing.T) {
	g := cptest.StartGlobal(t, "")
	a := cptest.StartZone(t, g, "zone-a", cptest.ZoneOptions{})
	b := cptest.StartZone(t, g, "zone-b", cptest.ZoneOptions{})
	c := cptest.Client(g)
	ctx := context.Background()
	cptest.Eventually(t, 5*time.Second, "both zones online", online(c, "zone-a", "zone-b"))
	if _, err := c.Apply(ctx, []byte(meshAndPolicy)); err != nil {
		t.Fatal(err)
	}

	dp := &resource.Resource{Kind: resource.KindDataplane, Meta: resource.Meta{Mesh: "default", Name: "backend-1", Origin: "zone-a"},
		Spec: &resource.DataplaneSpec{Networking: resource.DataplaneNetworking{Address: "127.0.0.5",
			Inbound: []resource.Inbound{{Port: 20001, ServicePort: 8080, Tags: map[string]string{"service": "backend", "version": "v1"}}}}}}
	if _, err := a.Store().Put(ctx, dp); err != nil {
		t.Fatal(err)
	}
	ing := &resource.Resource{Kind: resource.KindZoneIngress, Meta: resource.Meta{Name: "ingress-0", Origin: "zone-a"},
		Spec: &resource.ZoneIngressSpec{Zone: "zone-a", Networking: resource.ZoneIngressNetworking{Address: "127.0.0.6", Port: 10001},
			AvailableServices: []resource.AvailableService{{Mesh: "default", Tags: map[string]string{"service": "backend"}, Instances: 1}}}}
	if _, err := a.Store().Put(ctx, ing); err != nil {
		t.Fatal(err)
	}

	cptest.Eventually(t, 5*time.Second, "dataplane at global", func() error {
		dps, err := c.List(ctx, resource.KindDataplane, "default")
		if err != nil {
			return err
		}
		for _, d := range dps {
			if d.Origin == "zone-a" && strings.HasSuffix(d.Name, "backend-1") {
				return nil
			}
		}
		return cptest.Errorf("not at global: %v", dps)
	})
	cptest.Eventually(t, 5*time.Second, "zone-a ingress in zone-b", func() error {
		ings, err := b.Store().List(ctx, resource.KindZoneIngress, "")
		if err != nil {
			return err
		}
		for _, i := range ings {
			s := i.Spec.(*resource.ZoneIngressSpec)
			if s.Zone == "zone-a" && len(s.AvailableServices) == 1 && s.AvailableServices[0].Tags["service"] == "backend" {
				return nil
			}
		}
		return cptest.Errorf("zone-b has %d ingresses", len(ings))
	})
	// Zone A never gets its own ingress back from global, and zone B does not get A's dataplanes.
	ings, _ := a.Store().List(ctx, resource.KindZoneIngress, "")
	if len(ings) != 1 || ings[0].Name != "ingress-0" {
		t.Fatalf("zone-a ingresses: %v", ings)
	}
	if dps, _ := b.Store().List(ctx, resource.KindDataplane, ""); len(dps) != 0 {
		t.Fatalf("zone-b got zone-a's dataplanes: %v", dps)
	}
}

func TestBadZoneTokenAndUnauthenticatedWritesAreRefused(t *testing.T) {
	g := cptest.StartGlobal(t, "")
	c := cptest.Client(g)
	ctx := context.Background()
	other, err := g.Signer().IssueZoneToken("zone-b", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{"other zone's token": other, "malformed token": "not-a-jwt"} {
		z := cptest.StartZone(t, g, "zone-a", cptest.ZoneOptions{Token: tok})
		cptest.Eventually(t, 5*time.Second, name+" refused", func() error {
			if err := z.KDS().LastError(); err == nil {
				return cptest.Errorf("no error yet")
			}
			return nil
		})
		if z.KDS().Connected() {
			t.Fatalf("%s: zone connected", name)
		}
		st, _ := c.Zones(ctx)
		for _, s := range st {
			if s.Online {
				t.Fatalf("%s: zone online: %+v", name, s)
			}
		}
		if n, _ := z.Store().List(ctx, resource.KindMesh, ""); len(n) != 0 {
			t.Fatalf("%s: resources exchanged", name)
		}
		z.Close()
	}

	anon := &api.Client{BaseURL: c.BaseURL}
	_, err = anon.Apply(ctx, []byte(meshAndPolicy))
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous write: %v", err)
	}
	wrong := &api.Client{BaseURL: c.BaseURL, Token: "wrong"}
	_, err = wrong.Apply(ctx, []byte(meshAndPolicy))
	if !errors.As(err, &ae) || ae.Status != http.StatusForbidden {
		t.Fatalf("wrong-token write: %v", err)
	}
	if ms, _ := g.Store().List(ctx, resource.KindMesh, ""); len(ms) != 0 {
		t.Fatalf("refused writes changed the store: %v", ms)
	}
}

func TestRestartedZoneResyncs(t *testing.T) {
	g := cptest.StartGlobal(t, "")
	c := cptest.Client(g)
	ctx := context.Background()
	a := cptest.StartZone(t, g, "zone-a", cptest.ZoneOptions{})
	cptest.Eventually(t, 5*time.Second, "online", online(c, "zone-a"))
	rs, err := c.Apply(ctx, []byte(meshAndPolicy))
	if err != nil {
		t.Fatal(err)
	}
	cptest.Eventually(t, 5*time.Second, "policy in zone", hasVersion(a, tpKey, rs[1].Version))
	a.Close()
	cptest.Eventually(t, 5*time.Second, "offline after close", offline(c, "zone-a"))
	// Written while the zone is down; the restarted zone (empty memory store) gets everything.
	if err := c.Delete(ctx, tpKey); err != nil {
		t.Fatal(err)
	}
	tp2 := strings.Replace(meshAndPolicy, "frontend-to-backend", "web-to-backend", 1)
	if _, err := c.Apply(ctx, []byte(tp2)); err != nil {
		t.Fatal(err)
	}
	a2 := cptest.StartZone(t, g, "zone-a", cptest.ZoneOptions{})
	cptest.Eventually(t, 5*time.Second, "online again", online(c, "zone-a"))
	cptest.Eventually(t, 5*time.Second, "new policy after restart", hasVersion(a2, resource.Key{Kind: resource.KindTrafficPermission, Mesh: "default", Name: "web-to-backend"}, 1))
	cptest.Eventually(t, 5*time.Second, "deleted policy absent", hasVersion(a2, tpKey, 0))
}

func TestHungZoneGoesOfflineAndCatchesUp(t *testing.T) {
	g := cptest.StartGlobal(t, "")
	c := cptest.Client(g)
	ctx := context.Background()
	relay := cptest.NewRelay(t, g.KDSAddr())
	a := cptest.StartZone(t, g, "zone-a", cptest.ZoneOptions{GlobalAddr: relay.Addr()})
	cptest.Eventually(t, 5*time.Second, "online", online(c, "zone-a"))
	if _, err := c.Apply(ctx, []byte(meshAndPolicy)); err != nil {
		t.Fatal(err)
	}
	cptest.Eventually(t, 5*time.Second, "policy in zone", hasVersion(a, tpKey, 1))

	relay.Freeze()
	frozen := time.Now()
	// Keepalive is 1s + 1s: Offline must follow within a few multiples of that.
	cptest.Eventually(t, 10*time.Second, "offline while hung", offline(c, "zone-a"))
	t.Logf("hung zone offline after %v", time.Since(frozen).Round(10*time.Millisecond))
	upd, err := c.Apply(ctx, []byte(strings.Replace(meshAndPolicy, "action: allow", "action: deny", 1)))
	if err != nil {
		t.Fatal(err)
	}
	// The zone keeps its last state while global is unreachable.
	if r, err := a.Store().Get(ctx, tpKey); err != nil || r.Version != 1 {
		t.Fatalf("zone lost its state while hung: %v %v", r, err)
	}
	relay.Thaw()
	cptest.Eventually(t, 15*time.Second, "online after heal", online(c, "zone-a"))
	cptest.Eventually(t, 5*time.Second, "change made during the hang arrives", hasVersion(a, tpKey, upd[1].Version))
}

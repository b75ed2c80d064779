package kds

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

func TestKindsSplit(t *testing.T) {
	down := DownKinds()
	for _, k := range []resource.Kind{resource.KindMesh, resource.KindMeshCA, resource.KindTrafficPermission, resource.KindFaultInjection, resource.KindZoneIngress} {
		if !slices.Contains(down, k) {
			t.Errorf("%s is not synced down", k)
		}
	}
	for _, k := range []resource.Kind{resource.KindDataplane, resource.KindZone} {
		if slices.Contains(down, k) {
			t.Errorf("%s is synced down", k)
		}
	}
	if up := UpKinds(); !slices.Equal(up, []resource.Kind{resource.KindDataplane, resource.KindZoneIngress}) {
		t.Errorf("UpKinds = %v", up)
	}
}

func TestNames(t *testing.T) {
	cases := []struct {
		kind    resource.Kind
		name    string
		want    resource.Key
		wantErr string
	}{
		{resource.KindTrafficPermission, "default/p", key(resource.KindTrafficPermission, "default", "p"), ""},
		{resource.KindZoneIngress, "zone-a.ingress", key(resource.KindZoneIngress, "", "zone-a.ingress"), ""},
		{resource.KindTrafficPermission, "p", resource.Key{}, "want mesh/name"},
		{resource.KindMesh, "default/x", resource.Key{}, "not scoped"},
		{resource.KindDataplane, "/x", resource.Key{}, "empty mesh"},
		{"Nope", "x", resource.Key{}, "unknown kind"},
	}
	for _, c := range cases {
		got, err := KeyOf(c.kind, c.name)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("KeyOf(%s, %q) error = %v, want %q", c.kind, c.name, err, c.wantErr)
			}
			continue
		}
		if err != nil || got != c.want || CacheName(got) != c.name {
			t.Errorf("KeyOf(%s, %q) = %v, %v; CacheName back %q", c.kind, c.name, got, err, CacheName(got))
		}
	}
	if z, n, ok := ZoneOfGlobalName(GlobalName("zone-a", "web.1")); !ok || z != "zone-a" || n != "web.1" {
		t.Errorf("ZoneOfGlobalName round trip = %q %q %v", z, n, ok)
	}
	if _, err := KindOf("example.com/Mesh"); err == nil {
		t.Error("KindOf accepted a foreign type URL")
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	r := permission("default", "p", "web")
	r.Version, r.ModificationTime = 7, time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	e, err := Encode(r)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeDirect(TypeURL(r.Kind), e)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 7 || !got.ModificationTime.Equal(r.ModificationTime) || got.Key() != r.Key() {
		t.Errorf("round trip = %+v", got.Meta)
	}
	if _, err := DecodeDirect(TypeURL(resource.KindTimeout), e); err == nil || !strings.Contains(err.Error(), "holds a TrafficPermission") {
		t.Errorf("kind mismatch not caught: %v", err)
	}
	e.Name = "default/other"
	if _, err := DecodeDirect(TypeURL(r.Kind), e); err == nil || !strings.Contains(err.Error(), "is named") {
		t.Errorf("name mismatch not caught: %v", err)
	}
}

func TestStaleDown(t *testing.T) {
	fromGlobal := permission("default", "old", "web")
	kept := permission("default", "kept", "web")
	own := ingress("mine", "zone-a")       // Origin "": written by zone-a
	ownNamed := ingress("mine2", "zone-a") // Origin zone-a
	ownNamed.Origin = "zone-a"
	other := ingress("zone-b.ing", "zone-b")
	other.Origin = "zone-b"
	got := StaleDown([]*resource.Resource{fromGlobal, kept, own, ownNamed, other}, "zone-a", map[string]bool{"default/kept": true})
	want := []resource.Key{fromGlobal.Key(), other.Key()}
	if !slices.Equal(got, want) {
		t.Errorf("StaleDown = %v, want %v", got, want)
	}
}

func TestStaleUpAndToGlobal(t *testing.T) {
	a1 := ToGlobal(dataplane("web-1", "web"), "zone-a")
	a2 := ToGlobal(dataplane("web-2", "web"), "zone-a")
	b1 := ToGlobal(dataplane("web-1", "web"), "zone-b")
	if a1.Name != "zone-a.web-1" || a1.Origin != "zone-a" || a1.Version != 0 {
		t.Errorf("ToGlobal = %+v", a1.Meta)
	}
	got := StaleUp([]*resource.Resource{a1, a2, b1}, "zone-a", map[resource.Key]bool{a1.Key(): true})
	if !slices.Equal(got, []resource.Key{a2.Key()}) {
		t.Errorf("StaleUp = %v", got)
	}
	ing := ToGlobal(ingress("i", ""), "zone-a")
	if ing.Spec.(*resource.ZoneIngressSpec).Zone != "zone-a" {
		t.Error("ToGlobal left an ingress without its zone")
	}
}

func TestCheckUploadRefusesForeignClaims(t *testing.T) {
	foreign := ingress("i", "zone-b")
	if err := checkUpload(foreign, "zone-a"); err == nil || !strings.Contains(err.Error(), "spec.zone") {
		t.Errorf("ingress of another zone accepted: %v", err)
	}
	bad := dataplane("web-1", "web")
	bad.Spec.(*resource.DataplaneSpec).Networking.Address = "not an ip"
	if err := checkUpload(bad, "zone-a"); err == nil || !strings.Contains(err.Error(), "networking.address") {
		t.Errorf("invalid dataplane accepted: %v", err)
	}
	if err := checkUpload(dataplane("web-1", "web"), "zone-a"); err != nil {
		t.Errorf("valid dataplane refused: %v", err)
	}
}

func TestBatchCoalesces(t *testing.T) {
	var b Batch
	p1, p2, q := permission("m", "p", "a"), permission("m", "p", "b"), permission("m", "q", "a")
	b.Add(store.Event{Type: store.Put, Resource: p1})
	b.Add(store.Event{Type: store.Put, Resource: q})
	b.Add(store.Event{Type: store.Put, Resource: p2})
	b.Add(store.Event{Type: store.Deleted, Resource: q})
	got := b.Drain()
	if len(got) != 2 || got[0].Resource != p2 || got[1].Type != store.Deleted || b.Len() != 0 {
		t.Errorf("Drain = %+v", got)
	}
}

func TestBackoffIsJitteredAndBounded(t *testing.T) {
	b := Backoff{Min: 100 * time.Millisecond, Max: time.Second}
	rnd := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 12; n++ {
		d := b.Delay(n, rnd)
		ceil := min(b.Min<<n, b.Max)
		if d < ceil/2 || d > ceil {
			t.Errorf("attempt %d: %v outside [%v, %v]", n, d, ceil/2, ceil)
		}
	}
	seen := map[time.Duration]bool{}
	for i := 0; i < 20; i++ {
		seen[b.Delay(5, rnd)] = true
	}
	if len(seen) < 10 {
		t.Errorf("only %d distinct delays in 20 draws: not jittered", len(seen))
	}
}

func TestZoneOptionsNameTheBadField(t *testing.T) {
	err := (&ZoneOptions{Zone: "Bad_Zone"}).check()
	for _, f := range []string{"Zone:", "GlobalAddr:", "TLS:", "Token:", "Store:"} {
		if err == nil || !strings.Contains(err.Error(), f) {
			t.Errorf("error %v does not name %s", err, f)
		}
	}
}

// The zone status tracker, driven by a script (testdata/tracker.txt; -rewrite regenerates).
func TestTracker(t *testing.T) {
	var tr Tracker
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(td *datadriven.TestData) time.Time {
		var s int
		td.MaybeScanArgs(t, "t", &s)
		return t0.Add(time.Duration(s) * time.Second)
	}
	datadriven.RunTest(t, "testdata/tracker.txt", func(t *testing.T, td *datadriven.TestData) string {
		var zone string
		td.MaybeScanArgs(t, "zone", &zone)
		var errArg error
		if td.HasArg("err") {
			var e string
			td.ScanArgs(t, "err", &e)
			errArg = errors.New(e)
		}
		switch td.Cmd {
		case "open":
			var api string
			td.MaybeScanArgs(t, "api", &api)
			return fmt.Sprintf("came online: %v", tr.Opened(zone, api, at(td)))
		case "close":
			return fmt.Sprintf("went offline: %v", tr.Closed(zone, errArg))
		case "refused":
			tr.Refused(zone, errArg)
			return "ok"
		case "seen":
			tr.Seen(zone, at(td))
			return "ok"
		case "synced":
			var kind string
			var down, up int
			td.ScanArgs(t, "kind", &kind)
			td.MaybeScanArgs(t, "down", &down)
			td.MaybeScanArgs(t, "up", &up)
			tr.SetDown(zone, resource.Kind(kind), down)
			tr.SetUp(zone, resource.Kind(kind), up)
			return "ok"
		case "status":
			var b strings.Builder
			for _, s := range tr.All() {
				since := "-"
				if !s.ConnectedSince.IsZero() {
					since = s.ConnectedSince.Sub(t0).String()
				}
				seen := "-"
				if !s.LastSeen.IsZero() {
					seen = s.LastSeen.Sub(t0).String()
				}
				fmt.Fprintf(&b, "%s online=%v since=%s lastSeen=%s disconnects=%d api=%q down=%v up=%v err=%q\n",
					s.Zone, s.Online, since, seen, s.Disconnects, s.APIAddress, s.Down, s.Up, s.LastError)
			}
			return b.String()
		}
		t.Fatalf("unknown command %q", td.Cmd)
		return ""
	})
}

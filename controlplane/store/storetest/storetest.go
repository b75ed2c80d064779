package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// Factory returns a fresh, empty store that reads times from clock. The suite closes it.
type Factory func(t *testing.T, clock func() time.Time) store.Store

// Clock is a manual clock for tests; safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock standing at a fixed instant.
func NewClock() *Clock { return &Clock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Permission returns a valid TrafficPermission in mesh allowing source to reach dest.
func Permission(mesh, name, dest, source string) *resource.Resource {
	return &resource.Resource{
		Kind: resource.KindTrafficPermission,
		Meta: resource.Meta{Mesh: mesh, Name: name},
		Spec: &resource.TrafficPermissionSpec{
			Destination: resource.Selector{Service: dest},
			Sources:     []resource.Selector{{Service: source}},
			Action:      "allow",
		},
	}
}

// Run runs every conformance test against stores made by newStore.
func Run(t *testing.T, newStore Factory) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store, c *Clock)
	}{
		{"PutGet", testPutGet},
		{"Versions", testVersions},
		{"CallerCopies", testCallerCopies},
		{"List", testList},
		{"Delete", testDelete},
		{"KeepMeta", testKeepMeta},
		{"IfVersion", testIfVersion},
		{"UnchangedPutFiresNoEvent", testUnchanged},
		{"EventsInOrder", testEventsInOrder},
		{"SlowSubscriberDoesNotBlock", testSlowSubscriber},
		{"CancelWaits", testCancelWaits},
		{"ConcurrentWriters", testConcurrentWriters},
		{"BadKey", testBadKey},
		{"PutAll", testPutAll},
		{"PutAllIsAtomic", testPutAllIsAtomic},
		{"Closed", testClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewClock()
			s := newStore(t, c.Now)
			t.Cleanup(func() { s.Close() })
			tc.fn(t, s, c)
		})
	}
}

func mustPut(t *testing.T, s store.Store, r *resource.Resource, opts ...store.PutOption) *resource.Resource {
	t.Helper()
	got, err := s.Put(context.Background(), r, opts...)
	if err != nil {
		t.Fatalf("put %s: %v", r.Key(), err)
	}
	return got
}

func testPutGet(t *testing.T, s store.Store, c *Clock) {
	ctx := context.Background()
	in := Permission("default", "allow-web", "backend", "web")
	in.Labels = map[string]string{"team": "a"}
	in.Origin = resource.OriginGlobal
	got := mustPut(t, s, in)
	if got.Version != 1 || !got.CreationTime.Equal(c.Now()) || !got.ModificationTime.Equal(c.Now()) {
		t.Fatalf("stored meta %+v; want version 1 and times %v", got.Meta, c.Now())
	}
	if in.Version != 0 {
		t.Fatalf("Put changed the caller's resource: version %d", in.Version)
	}
	back, err := s.Get(ctx, in.Key())
	if err != nil {
		t.Fatal(err)
	}
	if back.Origin != resource.OriginGlobal || back.Labels["team"] != "a" {
		t.Fatalf("got meta %+v", back.Meta)
	}
	spec := back.Spec.(*resource.TrafficPermissionSpec)
	if spec.Destination.Service != "backend" || spec.Sources[0].Service != "web" || spec.Action != "allow" {
		t.Fatalf("got spec %+v", spec)
	}
	mesh := &resource.Resource{Kind: resource.KindMesh, Meta: resource.Meta{Name: "default"}, Spec: &resource.MeshSpec{}}
	mustPut(t, s, mesh)
	if _, err := s.Get(ctx, resource.Key{Kind: resource.KindMesh, Name: "default"}); err != nil {
		t.Fatalf("get unscoped: %v", err)
	}
	_, err = s.Get(ctx, resource.Key{Kind: resource.KindTrafficPermission, Mesh: "default", Name: "nope"})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get missing: %v; want ErrNotFound", err)
	}
	if s.Revision() != 2 {
		t.Fatalf("revision %d after two puts", s.Revision())
	}
}

func testVersions(t *testing.T, s store.Store, c *Clock) {
	r := Permission("default", "p", "backend", "web")
	first := mustPut(t, s, r)
	c.Advance(time.Minute)
	r.Spec.(*resource.TrafficPermissionSpec).Action = "deny"
	second := mustPut(t, s, r)
	if second.Version != 2 {
		t.Fatalf("version %d after update; want 2", second.Version)
	}
	if !second.CreationTime.Equal(first.CreationTime) || !second.ModificationTime.Equal(c.Now()) {
		t.Fatalf("times after update: created %v modified %v", second.CreationTime, second.ModificationTime)
	}
	// A version or times given by the caller are ignored without KeepMeta.
	r.Version, r.CreationTime = 77, time.Unix(1, 0)
	r.Labels = map[string]string{"x": "y"}
	third := mustPut(t, s, r)
	if third.Version != 3 || !third.CreationTime.Equal(first.CreationTime) {
		t.Fatalf("caller meta leaked: %+v", third.Meta)
	}
}

func testCallerCopies(t *testing.T, s store.Store, _ *Clock) {
	ctx := context.Background()
	r := Permission("default", "p", "backend", "web")
	got := mustPut(t, s, r)
	got.Spec.(*resource.TrafficPermissionSpec).Action = "deny"
	got.Labels = map[string]string{"mutated": "yes"}
	r.Spec.(*resource.TrafficPermissionSpec).Sources[0].Service = "other"
	a, _ := s.Get(ctx, r.Key())
	a.Spec.(*resource.TrafficPermissionSpec).Destination.Service = "changed"
	b, err := s.Get(ctx, r.Key())
	if err != nil {
		t.Fatal(err)
	}
	sp := b.Spec.(*resource.TrafficPermissionSpec)
	if sp.Action != "allow" || sp.Sources[0].Service != "web" || sp.Destination.Service != "backend" || b.Labels != nil {
		t.Fatalf("store shares memory with callers: %+v %+v", b.Meta, sp)
	}
}

func testList(t *testing.T, s store.Store, _ *Clock) {
	ctx := context.Background()
	for _, k := range [][2]string{{"b", "z"}, {"a", "y"}, {"a-b", "x"}, {"a", "b"}, {"b", "a"}} {
		mustPut(t, s, Permission(k[0], k[1], "backend", "web"))
	}
	mustPut(t, s, &resource.Resource{Kind: resource.KindMesh, Meta: resource.Meta{Name: "a"}, Spec: &resource.MeshSpec{}})
	all, err := s.List(ctx, resource.KindTrafficPermission, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a/b", "a/y", "a-b/x", "b/a", "b/z"}
	if got := keys(all); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("list all: %v; want %v", got, want)
	}
	inA, err := s.List(ctx, resource.KindTrafficPermission, "a")
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(inA); fmt.Sprint(got) != "[a/b a/y]" {
		t.Fatalf("list mesh a: %v", got)
	}
	none, err := s.List(ctx, resource.KindTimeout, "")
	if err != nil || none == nil || len(none) != 0 {
		t.Fatalf("list of an empty kind: %v, %v; want an empty, non-nil slice", none, err)
	}
}

func keys(rs []*resource.Resource) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Mesh + "/" + r.Name
	}
	return out
}

func testDelete(t *testing.T, s store.Store, _ *Clock) {
	ctx := context.Background()
	r := Permission("default", "p", "backend", "web")
	mustPut(t, s, r)
	if err := s.Delete(ctx, r.Key()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, r.Key()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get after delete: %v", err)
	}
	if err := s.Delete(ctx, r.Key()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v; want ErrNotFound", err)
	}
	if s.Revision() != 2 {
		t.Fatalf("revision %d after put and delete", s.Revision())
	}
	// A re-created resource starts again at version 1.
	if got := mustPut(t, s, r); got.Version != 1 {
		t.Fatalf("re-created at version %d", got.Version)
	}
}

func testKeepMeta(t *testing.T, s store.Store, c *Clock) {
	r := Permission("default", "p", "backend", "web")
	r.Version, r.Origin = 42, resource.OriginGlobal
	r.CreationTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	r.ModificationTime = time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)
	got := mustPut(t, s, r, store.KeepMeta())
	if got.Version != 42 || !got.CreationTime.Equal(r.CreationTime) || !got.ModificationTime.Equal(r.ModificationTime) || got.Origin != "global" {
		t.Fatalf("KeepMeta stored %+v", got.Meta)
	}
	// A replica receiving a newer version of an unchanged spec stores the new meta.
	r.Version = 43
	if got := mustPut(t, s, r, store.KeepMeta()); got.Version != 43 {
		t.Fatalf("KeepMeta update stored version %d", got.Version)
	}
	if s.Revision() != 2 {
		t.Fatalf("revision %d; want 2", s.Revision())
	}
}

func testIfVersion(t *testing.T, s store.Store, _ *Clock) {
	r := Permission("default", "p", "backend", "web")
	if _, err := s.Put(context.Background(), r, store.IfVersion(1)); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("IfVersion on a missing resource: %v; want ErrConflict", err)
	}
	mustPut(t, s, r)
	r.Spec.(*resource.TrafficPermissionSpec).Action = "deny"
	if got := mustPut(t, s, r, store.IfVersion(1)); got.Version != 2 {
		t.Fatalf("conditional put stored version %d", got.Version)
	}
	r.Spec.(*resource.TrafficPermissionSpec).Action = "allow"
	_, err := s.Put(context.Background(), r, store.IfVersion(1))
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale IfVersion: %v; want ErrConflict", err)
	}
	back, _ := s.Get(context.Background(), r.Key())
	if back.Version != 2 || back.Spec.(*resource.TrafficPermissionSpec).Action != "deny" {
		t.Fatalf("a conflicting put changed the resource: %+v", back)
	}
}

func testUnchanged(t *testing.T, s store.Store, c *Clock) {
	events := make(chan store.Event, 16)
	cancel := s.Subscribe(func(e store.Event) { events <- e })
	defer cancel()
	r := Permission("default", "p", "backend", "web")
	first := mustPut(t, s, r)
	c.Advance(time.Hour)
	again := mustPut(t, s, r)
	if again.Version != 1 || !again.ModificationTime.Equal(first.ModificationTime) {
		t.Fatalf("unchanged put rewrote the resource: %+v", again.Meta)
	}
	r.Labels = map[string]string{"l": "v"} // a label change is a change
	mustPut(t, s, r)
	if e := <-events; e.Revision != 1 || e.Resource.Version != 1 {
		t.Fatalf("first event %+v", e)
	}
	if e := <-events; e.Revision != 2 || e.Resource.Labels["l"] != "v" {
		t.Fatalf("second event %+v %+v; the unchanged put must fire none", e, e.Resource.Meta)
	}
	if s.Revision() != 2 {
		t.Fatalf("revision %d; want 2", s.Revision())
	}
}

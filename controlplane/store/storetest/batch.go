package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

func testPutAll(t *testing.T, s store.Store, _ *Clock) {
	ctx := context.Background()
	if _, ok := s.(store.Batcher); !ok {
		t.Fatalf("%T does not implement store.Batcher", s)
	}
	c := newCollector(3)
	defer s.Subscribe(c.add)()
	a := Permission("default", "a", "backend", "web")
	b := Permission("default", "b", "backend", "web")
	a2 := Permission("default", "a", "backend", "api") // the same key again, changed
	out, err := store.PutAll(ctx, s, []*resource.Resource{a, b, a2})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 3 || out[0].Version != 1 || out[1].Version != 1 || out[2].Version != 2 {
		t.Fatalf("versions %d %d %d; want 1 1 2", out[0].Version, out[1].Version, out[2].Version)
	}
	evs := c.wait()
	for i, want := range []string{"a", "b", "a"} {
		if evs[i].Resource.Name != want || evs[i].Revision != uint64(i+1) {
			t.Fatalf("event %d: %s rev %d", i, evs[i].Resource.Name, evs[i].Revision)
		}
	}
	// An unchanged batch writes nothing.
	if _, err := store.PutAll(ctx, s, []*resource.Resource{a2, b}); err != nil || s.Revision() != 3 {
		t.Fatalf("unchanged batch: revision %d, %v", s.Revision(), err)
	}
}

func testPutAllIsAtomic(t *testing.T, s store.Store, _ *Clock) {
	ctx := context.Background()
	mustPut(t, s, Permission("default", "a", "backend", "web"))
	fresh := Permission("default", "new", "backend", "web")
	changed := Permission("default", "a", "backend", "api")
	_, err := store.PutAll(ctx, s, []*resource.Resource{fresh, changed}, store.IfVersion(1))
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("batch with a conflict: %v", err) // "new" does not exist at version 1
	}
	_, err = store.PutAll(ctx, s, []*resource.Resource{fresh, Permission("", "bad", "backend", "web")})
	if err == nil {
		t.Fatal("a batch with a bad key was accepted")
	}
	if _, err := s.Get(ctx, fresh.Key()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a failed batch stored its first resource: %v", err)
	}
	got, _ := s.Get(ctx, changed.Key())
	if got.Version != 1 || s.Revision() != 1 {
		t.Fatalf("a failed batch changed the store: version %d revision %d", got.Version, s.Revision())
	}
}

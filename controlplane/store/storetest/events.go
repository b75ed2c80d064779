package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// collector records events and closes done once it has seen revision last.
type collector struct {
	mu     sync.Mutex
	events []store.Event
	last   uint64
	done   chan struct{}
}

func newCollector(last uint64) *collector {
	return &collector{last: last, done: make(chan struct{})}
}

func (c *collector) add(e store.Event) {
	c.mu.Lock()
	c.events = append(c.events, e)
	c.mu.Unlock()
	if e.Revision == c.last {
		close(c.done)
	}
}

func (c *collector) wait() []store.Event {
	<-c.done
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]store.Event(nil), c.events...)
}

func testEventsInOrder(t *testing.T, s store.Store, _ *Clock) {
	const n = 60
	a, b := newCollector(n), newCollector(n)
	defer s.Subscribe(a.add)()
	defer s.Subscribe(b.add)()
	ctx := context.Background()
	// Every third change deletes the resource the previous change created.
	for i := 0; i < n; i++ {
		r := Permission("default", fmt.Sprintf("p%d", i/3*3+1), "backend", "web")
		if i%3 == 2 {
			if err := s.Delete(ctx, r.Key()); err != nil {
				t.Fatal(err)
			}
			continue
		}
		r.Spec.(*resource.TrafficPermissionSpec).Sources[0].Service = fmt.Sprintf("s%d", i)
		mustPut(t, s, r)
	}
	for _, c := range []*collector{a, b} {
		evs := c.wait()
		if len(evs) != n {
			t.Fatalf("got %d events; want %d", len(evs), n)
		}
		for i, e := range evs {
			wantType, wantVersion := store.Put, uint64(i%3+1)
			if i%3 == 2 {
				wantType, wantVersion = store.Deleted, 2
			}
			src := e.Resource.Spec.(*resource.TrafficPermissionSpec).Sources[0].Service
			if e.Revision != uint64(i+1) || e.Type != wantType || e.Resource.Version != wantVersion {
				t.Fatalf("event %d: %v rev %d version %d; want %v rev %d version %d", i, e.Type, e.Revision, e.Resource.Version, wantType, i+1, wantVersion)
			}
			if want := fmt.Sprintf("s%d", i/3*3+1); i%3 != 0 && src != want {
				t.Fatalf("event %d carries source %s; want %s (the last state)", i, src, want)
			}
		}
	}
	// Each subscriber gets its own copy.
	ea, eb := a.wait()[0], b.wait()[0]
	ea.Resource.Spec.(*resource.TrafficPermissionSpec).Action = "deny"
	if eb.Resource.Spec.(*resource.TrafficPermissionSpec).Action != "allow" {
		t.Fatal("subscribers share one resource value")
	}
}

func testSlowSubscriber(t *testing.T, s store.Store, _ *Clock) {
	const n = 50
	release := make(chan struct{})
	slow, fast := newCollector(n), newCollector(n)
	defer s.Subscribe(func(e store.Event) {
		<-release
		slow.add(e)
	})()
	defer s.Subscribe(fast.add)()
	for i := 0; i < n; i++ {
		mustPut(t, s, Permission("default", fmt.Sprintf("p%d", i), "backend", "web"))
	}
	// Every Put returned and the fast subscriber has everything while the slow one is stuck.
	if got := len(fast.wait()); got != n {
		t.Fatalf("fast subscriber got %d events", got)
	}
	close(release)
	evs := slow.wait()
	for i, e := range evs {
		if e.Revision != uint64(i+1) {
			t.Fatalf("slow subscriber: event %d has revision %d", i, e.Revision)
		}
	}
}

func testCancelWaits(t *testing.T, s store.Store, _ *Clock) {
	entered, release := make(chan struct{}), make(chan struct{})
	var calls, returned atomic.Int32
	cancel := s.Subscribe(func(store.Event) {
		if calls.Add(1) == 1 {
			close(entered)
			<-release
		}
		returned.Add(1)
	})
	mustPut(t, s, Permission("default", "a", "backend", "web"))
	<-entered
	sawReturn := make(chan int32)
	go func() {
		cancel()
		sawReturn <- returned.Load()
	}()
	close(release)
	if got := <-sawReturn; got != 1 {
		t.Fatalf("cancel returned while the subscriber was still running (returned=%d)", got)
	}
	mustPut(t, s, Permission("default", "b", "backend", "web"))
	cancel() // idempotent
	if calls.Load() != 1 {
		t.Fatalf("subscriber called %d times; cancel must stop delivery", calls.Load())
	}
}

func testConcurrentWriters(t *testing.T, s store.Store, _ *Clock) {
	const writers, each = 4, 15
	const total = writers * each
	c := newCollector(total)
	defer s.Subscribe(c.add)()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				// Every write changes the one shared resource, so each is a new version.
				r := Permission("default", "shared", "backend", fmt.Sprintf("w%d-%d", w, i))
				if _, err := s.Put(context.Background(), r); err != nil {
					errs <- err
					return
				}
				if _, err := s.List(context.Background(), resource.KindTrafficPermission, ""); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if s.Revision() != total {
		t.Fatalf("revision %d; want %d", s.Revision(), total)
	}
	for i, e := range c.wait() {
		if e.Revision != uint64(i+1) || e.Resource.Version != uint64(i+1) {
			t.Fatalf("event %d: revision %d version %d; commit order lost", i, e.Revision, e.Resource.Version)
		}
	}
}

func testBadKey(t *testing.T, s store.Store, _ *Clock) {
	bad := []*resource.Resource{
		{Kind: "Nope", Meta: resource.Meta{Mesh: "m", Name: "n"}, Spec: &resource.MeshSpec{}},
		Permission("default", "", "backend", "web"),
		Permission("", "p", "backend", "web"),
		{Kind: resource.KindMesh, Meta: resource.Meta{Mesh: "m", Name: "n"}, Spec: &resource.MeshSpec{}},
		{Kind: resource.KindMesh, Meta: resource.Meta{Name: "n"}},
		nil,
	}
	for i, r := range bad {
		if _, err := s.Put(context.Background(), r); err == nil {
			t.Errorf("bad resource %d was stored", i)
		}
	}
	if s.Revision() != 0 {
		t.Fatalf("revision %d after only refused writes", s.Revision())
	}
}

func testClosed(t *testing.T, s store.Store, _ *Clock) {
	ctx := context.Background()
	r := Permission("default", "p", "backend", "web")
	mustPut(t, s, r)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if _, err := s.Put(ctx, r); !errors.Is(err, store.ErrClosed) {
		t.Errorf("put after close: %v", err)
	}
	if _, err := s.Get(ctx, r.Key()); !errors.Is(err, store.ErrClosed) {
		t.Errorf("get after close: %v", err)
	}
	if _, err := s.List(ctx, r.Kind, ""); !errors.Is(err, store.ErrClosed) {
		t.Errorf("list after close: %v", err)
	}
	if err := s.Delete(ctx, r.Key()); !errors.Is(err, store.ErrClosed) {
		t.Errorf("delete after close: %v", err)
	}
	s.Subscribe(func(store.Event) { t.Error("event after close") })()
}

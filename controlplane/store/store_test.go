package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/store"
	"github.com/zonemesh/zonemesh/controlplane/store/storetest"
)

func TestMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clock func() time.Time) store.Store {
		return store.NewMemory(clock)
	})
}

func TestBolt(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clock func() time.Time) store.Store {
		s, err := store.OpenBolt(filepath.Join(t.TempDir(), "zonemesh.db"), clock)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestBoltReopen checks that resources and the revision survive a close and reopen.
func TestBoltReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "zonemesh.db")
	c := storetest.NewClock()
	s, err := store.OpenBolt(path, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	r := storetest.Permission("default", "p", "backend", "web")
	if _, err := s.Put(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, r.Key()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, r); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = store.OpenBolt(path, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Revision() != 3 {
		t.Fatalf("revision %d after reopen; want 3", s.Revision())
	}
	got, err := s.Get(ctx, r.Key())
	if err != nil || got.Version != 1 || !got.CreationTime.Equal(c.Now()) {
		t.Fatalf("after reopen: %+v, %v", got, err)
	}
	if _, err := s.Put(ctx, storetest.Permission("default", "q", "backend", "web")); err != nil {
		t.Fatal(err)
	}
	if s.Revision() != 4 {
		t.Fatalf("revision %d; want 4", s.Revision())
	}
}

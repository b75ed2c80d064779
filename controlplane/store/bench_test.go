package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
	"github.com/zonemesh/zonemesh/controlplane/store/storetest"
)

func benchPut(b *testing.B, s store.Store) {
	ctx := context.Background()
	r := storetest.Permission("default", "p", "backend", "web")
	sp := r.Spec.(*resource.TrafficPermissionSpec)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		// A new source each time, so every Put is a real write (unchanged puts are skipped).
		sp.Sources[0].Service = fmt.Sprintf("s%d", i)
		r.Name = fmt.Sprintf("p%d", i%1000)
		i++
		if _, err := s.Put(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPutMemory(b *testing.B) {
	s := store.NewMemory(time.Now)
	defer s.Close()
	benchPut(b, s)
}

// BenchmarkPutBolt measures a durable write: one bbolt transaction with fsync per Put.
func BenchmarkPutBolt(b *testing.B) {
	s, err := store.OpenBolt(filepath.Join(b.TempDir(), "bench.db"), time.Now)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	benchPut(b, s)
}

// BenchmarkPutBoltParallel shows writers queueing on the single bbolt writer.
func BenchmarkPutBoltParallel(b *testing.B) {
	s, err := store.OpenBolt(filepath.Join(b.TempDir(), "bench.db"), time.Now)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.RunParallel(func(pb *testing.PB) {
		r := storetest.Permission("default", "p", "backend", "web")
		i := 0
		for pb.Next() {
			r.Spec.(*resource.TrafficPermissionSpec).Sources[0].Service = fmt.Sprintf("s%d", i)
			i++
			if _, err := s.Put(context.Background(), r); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkGetBolt(b *testing.B) {
	s, err := store.OpenBolt(filepath.Join(b.TempDir(), "bench.db"), time.Now)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	r := storetest.Permission("default", "p", "backend", "web")
	if _, err := s.Put(context.Background(), r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Get(context.Background(), r.Key()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPutAllBolt100 commits 100 changed resources per op in one transaction (one fsync),
// as an apply of 100 documents does.
func BenchmarkPutAllBolt100(b *testing.B) {
	s, err := store.OpenBolt(filepath.Join(b.TempDir(), "bench.db"), time.Now)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rs := make([]*resource.Resource, 100)
	for i := range rs {
		rs[i] = storetest.Permission("default", fmt.Sprintf("p%d", i), "backend", "web")
	}
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		for _, r := range rs {
			r.Spec.(*resource.TrafficPermissionSpec).Sources[0].Service = fmt.Sprintf("s%d", n)
		}
		n++
		if _, err := store.PutAll(context.Background(), s, rs); err != nil {
			b.Fatal(err)
		}
	}
}

package kds

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// arrivals records when each zone's store committed a put of a TrafficPermission.
type arrivals struct {
	mu      sync.Mutex
	want    map[string]bool // names of the current round
	got     map[string]map[string]time.Time
	changed chan struct{}
}

func watchZones(b *testing.B, zones ...*zoneEnv) *arrivals {
	a := &arrivals{got: map[string]map[string]time.Time{}, changed: make(chan struct{}, 1)}
	for _, z := range zones {
		a.got[z.name] = map[string]time.Time{}
		name := z.name
		cancel := z.store.Subscribe(func(ev store.Event) {
			now := time.Now()
			if ev.Type != store.Put || ev.Resource.Kind != resource.KindTrafficPermission {
				return
			}
			a.mu.Lock()
			if a.want[ev.Resource.Name] {
				a.got[name][ev.Resource.Name] = now
			}
			a.mu.Unlock()
			select {
			case a.changed <- struct{}{}:
			default:
			}
		})
		b.Cleanup(cancel)
	}
	return a
}

func (a *arrivals) expect(names []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.want = map[string]bool{}
	for _, n := range names {
		a.want[n] = true
	}
	for z := range a.got {
		a.got[z] = map[string]time.Time{}
	}
}

// wait returns when every zone has every expected name, and the latest arrival.
func (a *arrivals) wait(b *testing.B) time.Time {
	deadline := time.After(30 * time.Second)
	for {
		a.mu.Lock()
		done, last := true, time.Time{}
		for _, got := range a.got {
			if len(got) < len(a.want) {
				done = false
				break
			}
			for _, t := range got {
				if t.After(last) {
					last = t
				}
			}
		}
		a.mu.Unlock()
		if done {
			return last
		}
		select {
		case <-a.changed:
		case <-deadline:
			b.Fatal("propagation did not finish in 30s")
		}
	}
}

func benchTopology(b *testing.B) (*globalEnv, *arrivals, []*zoneEnv) {
	pki := newPKI(b)
	g := startGlobal(b, pki, store.NewMemory(time.Now), "", DefaultKeepalive)
	za := startZone(b, pki, "zone-a", "token-a", g.addr, DefaultKeepalive)
	zb := startZone(b, pki, "zone-b", "token-b", g.addr, DefaultKeepalive)
	g.waitOnline(b, "zone-a", true)
	g.waitOnline(b, "zone-b", true)
	return g, watchZones(b, za, zb), []*zoneEnv{za, zb}
}

func quantile(xs []time.Duration, q float64) time.Duration {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[int(q*float64(len(s)-1)+0.5)]
}

// BenchmarkStorePutBaseline is one policy write to a memory store with nobody syncing it.
func BenchmarkStorePutBaseline(b *testing.B) {
	st := store.NewMemory(time.Now)
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		if _, err := st.Put(ctx, permission("default", fmt.Sprintf("p-%d", i), "web")); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPropagateOne writes one policy at global and waits until both zones' stores have
// committed it; it reports p50/p99 of write start → last zone commit.
func BenchmarkPropagateOne(b *testing.B) {
	g, arr, _ := benchTopology(b)
	ctx := context.Background()
	var lat []time.Duration
	for i := 0; b.Loop(); i++ {
		name := fmt.Sprintf("one-%d", i)
		arr.expect([]string{name})
		start := time.Now()
		if _, err := g.store.Put(ctx, permission("default", name, "web")); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, arr.wait(b).Sub(start))
	}
	b.ReportMetric(float64(quantile(lat, 0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(quantile(lat, 0.99).Microseconds())/1000, "p99-ms")
}

// BenchmarkBurst1000 writes 1,000 policies at global back to back and reports how long after
// the last write both zones had all of them.
func BenchmarkBurst1000(b *testing.B) {
	g, arr, zones := benchTopology(b)
	ctx := context.Background()
	var tail, total []time.Duration
	for i := 0; b.Loop(); i++ {
		names := make([]string, 1000)
		for j := range names {
			names[j] = fmt.Sprintf("burst-%d-%d", i, j)
		}
		arr.expect(names)
		start := time.Now()
		var lastWrite time.Time
		for _, n := range names {
			if _, err := g.store.Put(ctx, permission("default", n, "web")); err != nil {
				b.Fatal(err)
			}
			lastWrite = time.Now()
		}
		done := arr.wait(b)
		tail = append(tail, done.Sub(lastWrite))
		total = append(total, done.Sub(start))

		// Start the next round from the same state: delete this round's policies and wait
		// until the zones have dropped them (not timed).
		b.StopTimer()
		for _, n := range names {
			if err := g.store.Delete(ctx, key(resource.KindTrafficPermission, "default", n)); err != nil {
				b.Fatal(err)
			}
		}
		for _, z := range zones {
			waitStore(b, z.store, "zones dropped the burst", func(c context.Context, s store.Store) bool {
				rs, err := s.List(c, resource.KindTrafficPermission, "")
				return err == nil && len(rs) == 0
			})
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(slices.Max(tail).Microseconds())/1000, "max-after-last-write-ms")
	b.ReportMetric(float64(quantile(tail, 0.5).Microseconds())/1000, "p50-after-last-write-ms")
	b.ReportMetric(float64(quantile(total, 0.5).Microseconds())/1000, "p50-total-ms")
}

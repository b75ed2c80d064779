package fakeproxy

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Watches tracks when policies first show up at each proxy. Proxies report only watched
// policies, so a proxy's memory does not grow with the number of policies.
type Watches struct {
	mu      sync.Mutex
	byKey   map[string][]*Watch
	nActive atomic.Int32
}

// NewWatches returns an empty set.
func NewWatches() *Watches { return &Watches{byKey: map[string][]*Watch{}} }

// Watch records, per proxy, the first time policy key ("<Kind>/<name>", see xds.PolicyKey)
// appeared with a version of at least min.
type Watch struct {
	Key string
	Min uint64

	mu      sync.Mutex
	seen    map[string]time.Time
	changed chan struct{} // closed and replaced on every new sighting
}

// Watch starts watching key at version min or later.
func (ws *Watches) Watch(key string, min uint64) *Watch {
	w := &Watch{Key: key, Min: min, seen: map[string]time.Time{}, changed: make(chan struct{})}
	ws.mu.Lock()
	ws.byKey[key] = append(ws.byKey[key], w)
	ws.mu.Unlock()
	ws.nActive.Add(1)
	return w
}

// Stop stops a watch; what it saw stays readable.
func (ws *Watches) Stop(w *Watch) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	list := ws.byKey[w.Key]
	for i, x := range list {
		if x == w {
			ws.byKey[w.Key] = append(list[:i:i], list[i+1:]...)
			ws.nActive.Add(-1)
			break
		}
	}
	if len(ws.byKey[w.Key]) == 0 {
		delete(ws.byKey, w.Key)
	}
}

func (ws *Watches) active() bool { return ws != nil && ws.nActive.Load() > 0 }

func (ws *Watches) observe(proxy string, policies map[string]uint64, at time.Time) {
	if !ws.active() || len(policies) == 0 {
		return
	}
	ws.mu.Lock()
	var hit []*Watch
	for k, v := range policies {
		for _, w := range ws.byKey[k] {
			if v >= w.Min {
				hit = append(hit, w)
			}
		}
	}
	ws.mu.Unlock()
	for _, w := range hit {
		w.mark(proxy, at)
	}
}

func (w *Watch) mark(proxy string, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.seen[proxy]; ok {
		return
	}
	w.seen[proxy] = at
	close(w.changed)
	w.changed = make(chan struct{})
}

// Seen returns when each proxy that has the policy first had it.
func (w *Watch) Seen() map[string]time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[string]time.Time, len(w.seen))
	for k, v := range w.seen {
		out[k] = v
	}
	return out
}

// Wait blocks until n proxies have seen the policy or ctx ends.
func (w *Watch) Wait(ctx context.Context, n int) error {
	for {
		w.mu.Lock()
		got, ch := len(w.seen), w.changed
		w.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

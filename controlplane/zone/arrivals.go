package zone

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// Arrival records the zone store committing a resource synced from global. The harness reads
// them to time the global→zone stage of propagation.
type Arrival struct {
	Seq      uint64    `json:"seq"`
	Key      string    `json:"key"`
	Version  uint64    `json:"version"`
	Deleted  bool      `json:"deleted,omitempty"`
	Revision uint64    `json:"revision"`
	Time     time.Time `json:"time"`
}

// Applied records a proxy applying a config (it ACKed the config's listeners, the last type
// it applies) that changed the version of some policies: the harness times the zone→proxy
// stage from them.
type Applied struct {
	Seq     uint64 `json:"seq"`
	Proxy   string `json:"proxy"`
	Version string `json:"version"`
	// Policies maps a policy key ("Kind/mesh/name", as resource.Key prints it) to the version
	// the proxy now has, 0 for a policy no longer in its config.
	Policies map[string]uint64 `json:"policies"`
	Time     time.Time         `json:"time"`
}

// ring keeps the last max entries of a log, numbered from 1, in a circular buffer.
type ring[T any] struct {
	mu      sync.Mutex
	max     int
	next    uint64 // number of the next entry
	entries []T    // entry n lives at (n-1) % max
}

func newRing[T any](max int) *ring[T] { return &ring[T]{max: max, next: 1} }

func (r *ring[T]) add(set func(seq uint64) T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := set(r.next)
	if len(r.entries) < r.max {
		r.entries = append(r.entries, e)
	} else {
		r.entries[(r.next-1)%uint64(r.max)] = e
	}
	r.next++
}

// since returns the entries numbered above seq that are still kept, oldest first.
func (r *ring[T]) since(seq uint64) []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	first := uint64(1)
	if r.next-1 > uint64(len(r.entries)) {
		first = r.next - uint64(len(r.entries))
	}
	if seq+1 > first {
		first = seq + 1
	}
	out := []T{}
	for n := first; n < r.next; n++ {
		out = append(out, r.entries[(n-1)%uint64(r.max)])
	}
	return out
}

// ServeHTTP answers GET ...?since=SEQ with the entries after SEQ as JSON.
func (r *ring[T]) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var seq uint64
	if s := req.URL.Query().Get("since"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			http.Error(w, `{"error":"since must be a sequence number","field":"since"}`, http.StatusBadRequest)
			return
		}
		seq = v
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(r.since(seq))
}

// observeArrival is a store subscriber: it logs changes of resources that came from global.
func observeArrival(r *ring[Arrival], clock func() time.Time) func(store.Event) {
	return func(ev store.Event) {
		if ev.Resource.Origin != resource.OriginGlobal {
			return
		}
		now := clock()
		r.add(func(seq uint64) Arrival {
			a := Arrival{Seq: seq, Key: ev.Resource.Key().String(), Version: ev.Resource.Version, Deleted: ev.Type == store.Deleted, Revision: ev.Revision, Time: now}
			if a.Deleted {
				a.Version = 0
			}
			return a
		})
	}
}

// observeApply is the xDS server's apply hook: it logs configs that changed policies.
func observeApply(r *ring[Applied]) func(proxy, version string, changed map[string]uint64, at time.Time) {
	return func(proxy, version string, changed map[string]uint64, at time.Time) {
		if len(changed) == 0 {
			return
		}
		// A sidecar's node id is "<mesh>.<name>"; its policies are of that mesh.
		mesh, _, _ := strings.Cut(proxy, ".")
		full := make(map[string]uint64, len(changed))
		for k, v := range changed {
			kind, name, _ := strings.Cut(k, "/")
			full[kind+"/"+mesh+"/"+name] = v
		}
		r.add(func(seq uint64) Applied {
			return Applied{Seq: seq, Proxy: proxy, Version: version, Policies: full, Time: at}
		})
	}
}

package zone

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// Arrival records the zone store committing a resource synced from global. The harness reads
// them to time the global→zone stage of propagation.
type Arrival struct {
	Key      string    `json:"key"`
	Version  uint64    `json:"version"`
	Deleted  bool      `json:"deleted,omitempty"`
	Revision uint64    `json:"revision"`
	Time     time.Time `json:"time"`
}

// arrivals keeps the last max arrivals in a ring.
type arrivals struct {
	mu    sync.Mutex
	max   int
	ring  []Arrival
	clock func() time.Time
}

func newArrivals(max int, clock func() time.Time) *arrivals {
	return &arrivals{max: max, clock: clock}
}

// observe is a store subscriber: it keeps changes of resources that came from global.
func (a *arrivals) observe(ev store.Event) {
	if ev.Resource.Origin != resource.OriginGlobal {
		return
	}
	ar := Arrival{Key: ev.Resource.Key().String(), Version: ev.Resource.Version, Deleted: ev.Type == store.Deleted, Revision: ev.Revision, Time: a.clock()}
	if ar.Deleted {
		ar.Version = 0
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.ring) == a.max {
		copy(a.ring, a.ring[1:])
		a.ring = a.ring[:a.max-1]
	}
	a.ring = append(a.ring, ar)
}

// since returns the arrivals with a revision above rev.
func (a *arrivals) since(rev uint64) []Arrival {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := []Arrival{}
	for _, ar := range a.ring {
		if ar.Revision > rev {
			out = append(out, ar)
		}
	}
	return out
}

// ServeHTTP answers GET /api/v1/arrivals?since=REV.
func (a *arrivals) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var rev uint64
	if s := r.URL.Query().Get("since"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			http.Error(w, `{"error":"since must be a revision number","field":"since"}`, http.StatusBadRequest)
			return
		}
		rev = v
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(a.since(rev))
}

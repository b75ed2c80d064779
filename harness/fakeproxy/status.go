package fakeproxy

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Handler serves the fleet's state over HTTP:
//
//	GET  /status[?history=1]          every proxy's latest receipts (and history)
//	POST /watch?key=Kind/name&min=N   start timing a policy's arrival
//	GET  /watch?key=Kind/name         per proxy, when it first had the policy
func (f *Fleet) Handler() http.Handler {
	var mu sync.Mutex
	watches := map[string]*Watch{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		hist := r.URL.Query().Get("history") == "1"
		out := make([]Status, len(f.proxies))
		for i, p := range f.proxies {
			out[i] = p.Status(hist)
		}
		writeJSON(w, out)
	})
	mux.HandleFunc("POST /watch", func(w http.ResponseWriter, r *http.Request) {
		key := r.URL.Query().Get("key")
		if key == "" {
			http.Error(w, "key: required (Kind/name)", http.StatusBadRequest)
			return
		}
		min, err := strconv.ParseUint(r.URL.Query().Get("min"), 10, 64)
		if err != nil && r.URL.Query().Get("min") != "" {
			http.Error(w, "min: "+err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		if old := watches[key]; old != nil {
			f.Watches.Stop(old)
		}
		watches[key] = f.Watches.Watch(key, min)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /watch", func(w http.ResponseWriter, r *http.Request) {
		key := r.URL.Query().Get("key")
		mu.Lock()
		wt := watches[key]
		mu.Unlock()
		if wt == nil {
			http.Error(w, "key: no watch for "+strconv.Quote(key), http.StatusNotFound)
			return
		}
		writeJSON(w, struct {
			Key     string               `json:"key"`
			Proxies int                  `json:"proxies"`
			Seen    map[string]time.Time `json:"seen"`
		}{key, len(f.proxies), wt.Seen()})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

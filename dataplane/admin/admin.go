package admin

import (
	"encoding/json"
	"net/http"
	"path"

	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/zonemesh/zonemesh/dataplane/ads"
	"github.com/zonemesh/zonemesh/dataplane/proxy"
	"google.golang.org/protobuf/encoding/protojson"
)

// Source is what the admin API reports on.
type Source struct {
	Proxy *proxy.Proxy
	ADS   *ads.Client
	// Ready reports readiness; default: every xDS type applied at least once.
	Ready func() bool
}

// Handler returns the admin API.
func Handler(src Source) http.Handler {
	if src.Ready == nil {
		src.Ready = src.ADS.Synced
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(&collector{src: src})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ready", func(w http.ResponseWriter, r *http.Request) {
		if !src.Ready() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	mux.HandleFunc("GET /config/versions", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"connected": src.ADS.Connected(), "types": src.ADS.Status()})
	})
	mux.HandleFunc("GET /config_dump", func(w http.ResponseWriter, r *http.Request) {
		dump, err := configDump(src.ADS)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, dump)
	})
	mux.HandleFunc("GET /clusters", func(w http.ResponseWriter, r *http.Request) {
		cs, ing := src.Proxy.Stats()
		writeJSON(w, map[string]any{"clusters": cs, "ingress": ing})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// configDump renders the last accepted resources of every type. Private keys are redacted.
func configDump(c *ads.Client) (map[string]any, error) {
	out := map[string]any{"versions": c.Status()}
	res := map[string][]json.RawMessage{}
	for _, t := range ads.Types {
		list := []json.RawMessage{}
		for _, a := range c.Resources(t) {
			msg := a
			if t == resourcev3.SecretType {
				s := &tlsv3.Secret{}
				if err := a.UnmarshalTo(s); err != nil {
					return nil, err
				}
				if tc := s.GetTlsCertificate(); tc != nil {
					tc.PrivateKey = nil
				}
				b, err := protojson.Marshal(s)
				if err != nil {
					return nil, err
				}
				list = append(list, b)
				continue
			}
			b, err := protojson.Marshal(msg)
			if err != nil {
				return nil, err
			}
			list = append(list, b)
		}
		res[path.Base(t)] = list
	}
	out["resources"] = res
	return out, nil
}

package server

import (
	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	connected   prometheus.Gauge
	generations prometheus.Counter
	genLatency  prometheus.Histogram
	pushes      prometheus.Counter
	nacks       prometheus.Counter
	genErrors   prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		connected: prometheus.NewGauge(prometheus.GaugeOpts{Name: "zonemesh_xds_connected_proxies",
			Help: "Proxies with at least one open ADS stream."}),
		generations: prometheus.NewCounter(prometheus.CounterOpts{Name: "zonemesh_xds_generations_total",
			Help: "Proxy configs generated."}),
		genLatency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "zonemesh_xds_generation_seconds",
			Help:    "Time to regenerate the proxies affected by one batch of store changes.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 18)}),
		pushes: prometheus.NewCounter(prometheus.CounterOpts{Name: "zonemesh_xds_pushes_total",
			Help: "Snapshots set because a proxy's config changed."}),
		nacks: prometheus.NewCounter(prometheus.CounterOpts{Name: "zonemesh_xds_nacks_total",
			Help: "Responses proxies refused."}),
		genErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "zonemesh_xds_generation_errors_total",
			Help: "Proxy configs that could not be generated or did not validate."}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.connected, m.generations, m.genLatency, m.pushes, m.nacks, m.genErrors} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

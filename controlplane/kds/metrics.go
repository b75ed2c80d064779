package kds

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// serverMetrics are global's KDS metrics.
type serverMetrics struct {
	online    *prometheus.GaugeVec   // zone
	resources *prometheus.GaugeVec   // type: resources in the down caches
	pushes    *prometheus.CounterVec // zone, type: responses sent
	pushed    *prometheus.CounterVec // zone, type: resources in those responses
	acks      *prometheus.CounterVec // zone, type, result=ack|nack (down direction)
	uploads   *prometheus.CounterVec // zone, type, result=ack|nack (up direction)
	upHeld    *prometheus.GaugeVec   // zone, type: resources global holds from the zone
}

func newServerMetrics(reg prometheus.Registerer) (*serverMetrics, error) {
	m := &serverMetrics{
		online: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "zonemesh", Subsystem: "kds",
			Name: "zone_online", Help: "1 while the zone has an open KDS stream, else 0."}, []string{"zone"}),
		resources: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "zonemesh", Subsystem: "kds",
			Name: "global_resources", Help: "Resources global offers to zones, per type."}, []string{"type"}),
		pushes: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "zonemesh", Subsystem: "kds",
			Name: "pushes_total", Help: "Delta responses sent to a zone."}, []string{"zone", "type"}),
		pushed: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "zonemesh", Subsystem: "kds",
			Name: "pushed_resources_total", Help: "Resources (added, updated or removed) sent to a zone."}, []string{"zone", "type"}),
		acks: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "zonemesh", Subsystem: "kds",
			Name: "down_acks_total", Help: "ACKs and NACKs of pushes received from zones."}, []string{"zone", "type", "result"}),
		uploads: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "zonemesh", Subsystem: "kds",
			Name: "up_messages_total", Help: "Zone-to-global messages, by how global answered."}, []string{"zone", "type", "result"}),
		upHeld: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "zonemesh", Subsystem: "kds",
			Name: "up_resources", Help: "Resources global holds from a zone, per type."}, []string{"zone", "type"}),
	}
	return m, register(reg, m.online, m.resources, m.pushes, m.pushed, m.acks, m.uploads, m.upHeld)
}

// clientMetrics are a zone's KDS metrics.
type clientMetrics struct {
	connected prometheus.Gauge
	latency   *prometheus.HistogramVec // type: global write → zone store commit
	applied   *prometheus.CounterVec   // type, op=put|delete
	sentAcks  *prometheus.CounterVec   // type, result
	upAcks    *prometheus.CounterVec   // type, result
	resources *prometheus.GaugeVec     // type: resources received from global after the last resync
}

func newClientMetrics(reg prometheus.Registerer) (*clientMetrics, error) {
	m := &clientMetrics{
		connected: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "zonemesh", Subsystem: "kds",
			Name: "connected", Help: "1 while this zone's KDS streams to global are up."}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "zonemesh", Subsystem: "kds",
			Name: "push_latency_seconds", Help: "Global write (ModificationTime) to commit in the zone store.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}, []string{"type"}),
		applied: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "zonemesh", Subsystem: "kds",
			Name: "applied_total", Help: "Changes from global applied to the zone store."}, []string{"type", "op"}),
		sentAcks: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "zonemesh", Subsystem: "kds",
			Name: "sent_acks_total", Help: "ACKs and NACKs this zone sent for global's pushes."}, []string{"type", "result"}),
		upAcks: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "zonemesh", Subsystem: "kds",
			Name: "upload_acks_total", Help: "ACKs and NACKs global sent for this zone's uploads."}, []string{"type", "result"}),
		resources: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "zonemesh", Subsystem: "kds",
			Name: "zone_resources", Help: "Resources received from global, per type."}, []string{"type"}),
	}
	return m, register(reg, m.connected, m.latency, m.applied, m.sentAcks, m.upAcks, m.resources)
}

// register registers every collector; a nil registerer keeps the metrics unexported.
func register(reg prometheus.Registerer, cs ...prometheus.Collector) error {
	if reg == nil {
		return nil
	}
	var errs []error
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func result(nack bool) string {
	if nack {
		return "nack"
	}
	return "ack"
}

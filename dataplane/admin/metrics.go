package admin

import (
	"path"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	descRq        = prometheus.NewDesc("zonemesh_dp_cluster_requests_total", "Requests (HTTP) or connections (TCP) sent to a cluster.", []string{"cluster"}, nil)
	descResp      = prometheus.NewDesc("zonemesh_dp_cluster_responses_total", "HTTP responses by class.", []string{"cluster", "class"}, nil)
	descRetry     = prometheus.NewDesc("zonemesh_dp_cluster_retries_total", "Retried attempts.", []string{"cluster"}, nil)
	descTimeout   = prometheus.NewDesc("zonemesh_dp_cluster_timeouts_total", "Requests cut by a route or per-try timeout.", []string{"cluster"}, nil)
	descNoHost    = prometheus.NewDesc("zonemesh_dp_cluster_no_healthy_upstream_total", "Requests with no endpoint to send to.", []string{"cluster"}, nil)
	descConnFail  = prometheus.NewDesc("zonemesh_dp_cluster_connect_failures_total", "Upstream connection failures.", []string{"cluster"}, nil)
	descEject     = prometheus.NewDesc("zonemesh_dp_cluster_ejections_total", "Outlier-detection ejections.", []string{"cluster"}, nil)
	descHealthy   = prometheus.NewDesc("zonemesh_dp_endpoint_healthy", "1 when the endpoint takes traffic.", []string{"cluster", "address", "zone", "priority"}, nil)
	descNonTLS    = prometheus.NewDesc("zonemesh_dp_ingress_non_tls_total", "Ingress connections closed because they did not start with a TLS ClientHello.", nil, nil)
	descUnknown   = prometheus.NewDesc("zonemesh_dp_ingress_unknown_sni_total", "Ingress connections closed for an unknown SNI.", nil, nil)
	descApplied   = prometheus.NewDesc("zonemesh_dp_xds_applied_timestamp_seconds", "When the last config of a type was applied.", []string{"type", "version"}, nil)
	descReceived  = prometheus.NewDesc("zonemesh_dp_xds_received_timestamp_seconds", "When the last response of a type arrived.", []string{"type"}, nil)
	descConnected = prometheus.NewDesc("zonemesh_dp_xds_connected", "1 while the ADS stream is open.", nil, nil)
)

type collector struct{ src Source }

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRq, descResp, descRetry, descTimeout, descNoHost, descConnFail,
		descEject, descHealthy, descNonTLS, descUnknown, descApplied, descReceived, descConnected} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v uint64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), l...)
	}
	cs, ing := c.src.Proxy.Stats()
	for _, s := range cs {
		counter(descRq, s.Requests, s.Name)
		counter(descResp, s.Rq2xx, s.Name, "2xx")
		counter(descResp, s.Rq4xx, s.Name, "4xx")
		counter(descResp, s.Rq5xx, s.Name, "5xx")
		counter(descRetry, s.Retries, s.Name)
		counter(descTimeout, s.Timeouts, s.Name)
		counter(descNoHost, s.NoHealthy, s.Name)
		counter(descConnFail, s.ConnectFail, s.Name)
		counter(descEject, s.Ejections, s.Name)
		for _, e := range s.Endpoints {
			v := 0.0
			if e.Healthy {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(descHealthy, prometheus.GaugeValue, v, s.Name, e.Address, e.Zone,
				strconv.Itoa(e.Priority))
		}
	}
	counter(descNonTLS, ing.NonTLS)
	counter(descUnknown, ing.UnknownSNI)
	for _, t := range c.src.ADS.Status() {
		if !t.Applied.IsZero() {
			ch <- prometheus.MustNewConstMetric(descApplied, prometheus.GaugeValue, float64(t.Applied.UnixNano())/1e9, path.Base(t.TypeURL), t.Version)
		}
		if !t.Received.IsZero() {
			ch <- prometheus.MustNewConstMetric(descReceived, prometheus.GaugeValue, float64(t.Received.UnixNano())/1e9, path.Base(t.TypeURL))
		}
	}
	conn := 0.0
	if c.src.ADS.Connected() {
		conn = 1
	}
	ch <- prometheus.MustNewConstMetric(descConnected, prometheus.GaugeValue, conn)
}

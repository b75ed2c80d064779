// Package admin serves the proxy's admin API: /ready, /config/versions, /config_dump, /clusters
// and Prometheus /metrics (its own registry, read from the proxy's counters at scrape time so the
// request path pays nothing for metrics).
package admin

// Package proxy is the reference data path: it runs the listeners of a config.Config (HTTP
// routing, TCP proxy, SNI-passthrough ingress), the clusters behind them (locality priorities,
// weighted round robin, outlier detection, active health checks, pooled mTLS connections) and
// swaps configurations atomically so requests never wait on a lock.
package proxy

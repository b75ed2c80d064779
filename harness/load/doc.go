// Package load drives HTTP load with vegeta as a library and keeps every request's raw record
// (start offset, latency, status, error, answering zone), so quantiles are exact (gonum) and
// can be cut per second, per answering zone, or over any window of a run.
package load

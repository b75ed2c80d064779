// Package sim is zonemesh's discrete-event simulator of multi-zone policy propagation under
// faults. A pure core: Run takes a Config (counts, distributions, cost model, timers, fault
// events) and a seed and returns Results; no wall clock, no global RNG, one goroutine, so the
// same Config and seed give byte-identical results on any machine and any GOMAXPROCS.
//
// The model keeps events per zone, not per proxy: a zone control plane pushing a version to
// its proxies is one push cycle of a worker pool whose proxy completion times come from the
// cost model, recorded into fixed log histograms.
package sim

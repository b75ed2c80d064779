// Package dataplane wires the reference proxy together: an ADS client (ads) feeding translated
// configs (config) into the data path (proxy), with the admin API (admin) beside it. Start runs
// one proxy in-process; `zonemesh dp` is a thin command around it.
package dataplane

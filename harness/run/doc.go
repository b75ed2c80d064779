// Package run executes a scenario on real backends: it brings the topology up, routes every
// cross-zone and zone↔global connection through a fault link, runs the timeline (policy
// writes, load, faults, kills, scaling, waits), observes propagation, judges the checks and
// leaves an evidence folder with results.json and report.html.
package run

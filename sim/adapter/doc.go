// Package adapter connects the simulator to the rest of zonemesh: a scenario file's scale
// section becomes a sim.Config, and sim.Results become a reports.Results (Simulated) with the
// scenario's propagation checks judged.
package adapter

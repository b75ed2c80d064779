package fault

import (
	"errors"

	"github.com/zonemesh/zonemesh/scenarios"
)

// Bandwidth limits the throughput of each connection on the link to RateKB kilobytes per second.
type Bandwidth struct {
	RateKB    int64
	Direction Direction // default Forward
}

// Type is "bandwidth".
func (Bandwidth) Type() string { return scenarios.FaultBandwidth }

// Inject adds a bandwidth toxic on the chosen streams.
func (b Bandwidth) Inject(t Toxics) (func() error, error) {
	if b.RateKB <= 0 {
		return nil, errors.New("bandwidth: rate must be positive")
	}
	return addAll(t, b.Direction, "bandwidth", map[string]any{"rate": b.RateKB})
}

func init() {
	Register(scenarios.FaultBandwidth, func(f *scenarios.Fault) (Fault, error) {
		return Bandwidth{RateKB: int64(f.Rate), Direction: Both}, nil
	})
}

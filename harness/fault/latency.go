package fault

import (
	"errors"
	"time"

	"github.com/zonemesh/zonemesh/scenarios"
)

// Latency delays every chunk of data by Delay ± Jitter (uniform). Toxiproxy works per chunk at
// L4, so this is not packet-level netem, but a request/response round trip grows by Delay for
// each direction it covers.
type Latency struct {
	Delay     time.Duration
	Jitter    time.Duration
	Direction Direction // default Forward: one-way, like netem on the sender's interface
}

// Type is "latency".
func (Latency) Type() string { return scenarios.FaultLatency }

// Inject adds a latency toxic on the chosen streams.
func (l Latency) Inject(t Toxics) (func() error, error) {
	if l.Delay <= 0 {
		return nil, errors.New("latency: delay must be positive")
	}
	if l.Jitter < 0 || l.Jitter > l.Delay {
		return nil, errors.New("latency: jitter must be between 0 and the delay")
	}
	return addAll(t, l.Direction, "latency", map[string]any{
		"latency": l.Delay.Milliseconds(),
		"jitter":  l.Jitter.Milliseconds(),
	})
}

func init() {
	Register(scenarios.FaultLatency, func(f *scenarios.Fault) (Fault, error) {
		return Latency{Delay: f.Latency.D(), Jitter: f.Jitter.D()}, nil
	})
}

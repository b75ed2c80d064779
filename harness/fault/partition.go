package fault

import "github.com/zonemesh/zonemesh/scenarios"

// Partition black-holes a link. Two-way drops the data of both directions; one-way drops only
// the forward data (from → to) and lets the other direction through. Connections are held open,
// not closed — as in a real partition, a peer only notices through its own timeouts — and new
// connections are accepted by the link but carry nothing, so dials appear to hang at the first
// exchange. Healing closes the connections that were held (the bytes they lost cannot be
// replayed); new connections work again at once.
type Partition struct {
	OneWay bool
}

// Type is "partition".
func (Partition) Type() string { return scenarios.FaultPartition }

// Inject adds a timeout toxic with timeout 0 (hold forever, drop data) on the cut streams.
func (p Partition) Inject(t Toxics) (func() error, error) {
	d := Both
	if p.OneWay {
		d = Forward
	}
	return addAll(t, d, "timeout", map[string]any{"timeout": 0})
}

func init() {
	Register(scenarios.FaultPartition, func(f *scenarios.Fault) (Fault, error) {
		return Partition{OneWay: !f.IsTwoWay()}, nil
	})
}

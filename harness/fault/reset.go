package fault

import "github.com/zonemesh/zonemesh/scenarios"

// Reset resets (RST, linger 0) every connection on the link as soon as it carries data, for as
// long as the fault lasts: existing connections break on their next write, new ones on their
// first.
type Reset struct{}

// Type is "reset".
func (Reset) Type() string { return scenarios.FaultReset }

// Inject adds a reset_peer toxic with no delay on both streams.
func (Reset) Inject(t Toxics) (func() error, error) {
	return addAll(t, Both, "reset_peer", map[string]any{"timeout": 0})
}

func init() {
	Register(scenarios.FaultReset, func(*scenarios.Fault) (Fault, error) { return Reset{}, nil })
}

package fault

import (
	"fmt"
	"sort"
	"sync"

	"github.com/zonemesh/zonemesh/scenarios"
)

// Direction selects which bytes of a link a fault acts on.
type Direction int

const (
	// Forward is the data the link's initiator sends (from → to).
	Forward Direction = iota
	// Backward is the data coming back (to → from).
	Backward
	// Both is both directions.
	Both
)

func (d Direction) String() string {
	switch d {
	case Forward:
		return "forward"
	case Backward:
		return "backward"
	case Both:
		return "both"
	}
	return fmt.Sprintf("Direction(%d)", int(d))
}

// streams maps a direction onto toxiproxy's stream names: upstream is client→server.
func (d Direction) streams() []string {
	switch d {
	case Forward:
		return []string{"upstream"}
	case Backward:
		return []string{"downstream"}
	default:
		return []string{"upstream", "downstream"}
	}
}

// Toxics is what a fault may do to one link: add toxiproxy toxics and remove them again.
type Toxics interface {
	// Add adds a toxic of the given toxiproxy type on one stream ("upstream" or "downstream")
	// and returns its name.
	Add(typ, stream string, attrs map[string]any) (string, error)
	// Remove removes a toxic added by Add.
	Remove(name string) error
}

// Fault is one kind of network fault. Inject applies it to a link and returns the function that
// undoes it; heal must be safe to call once, and must stop any goroutine Inject started.
type Fault interface {
	Type() string
	Inject(t Toxics) (heal func() error, err error)
}

// Builder makes a Fault from a scenario's fault step.
type Builder func(f *scenarios.Fault) (Fault, error)

var (
	regMu    sync.RWMutex
	registry = map[string]Builder{}
)

// Register makes a fault type available to FromScenario; each fault file registers itself.
func Register(typ string, b Builder) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[typ]; dup {
		panic("fault: duplicate fault type " + typ)
	}
	registry[typ] = b
}

// Types lists the registered fault types.
func Types() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]string, 0, len(registry))
	for t := range registry {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// FromScenario builds the Fault a scenario fault step describes.
func FromScenario(f *scenarios.Fault) (Fault, error) {
	regMu.RLock()
	b, ok := registry[f.Type]
	regMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("fault %s: unknown type %q (known: %v)", f.Name, f.Type, Types())
	}
	flt, err := b(f)
	if err != nil {
		return nil, fmt.Errorf("fault %s: %w", f.Name, err)
	}
	return flt, nil
}

// addAll adds one toxic per stream of d and returns a heal that removes them all.
func addAll(t Toxics, d Direction, typ string, attrs map[string]any) (func() error, error) {
	var names []string
	heal := func() error {
		var first error
		for _, n := range names {
			if err := t.Remove(n); err != nil && first == nil {
				first = err
			}
		}
		return first
	}
	for _, s := range d.streams() {
		n, err := t.Add(typ, s, attrs)
		if err != nil {
			_ = heal()
			return nil, err
		}
		names = append(names, n)
	}
	return heal, nil
}

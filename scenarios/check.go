package scenarios

import (
	"fmt"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"
)

// Check types.
const (
	CheckPropagation  = "propagation"
	CheckErrorRate    = "errorRate"
	CheckRecovery     = "recovery"
	CheckTrafficShare = "trafficShare"
)

// Propagation stages.
const (
	StageGlobalZone = "global-zone"
	StageZoneProxy  = "zone-proxy"
	StageEndToEnd   = "end-to-end"
)

// Check is one SLO that judges the run.
type Check struct {
	Name     string  `yaml:"name"`
	Type     string  `yaml:"type"`
	Stage    string  `yaml:"stage,omitempty"`    // propagation
	Quantile float64 `yaml:"quantile,omitempty"` // propagation, in (0,1]
	Load     string  `yaml:"load,omitempty"`     // errorRate, trafficShare: a load step name
	Window   *Window `yaml:"window,omitempty"`   // errorRate, trafficShare: only requests started in the window
	After    string  `yaml:"after,omitempty"`    // recovery: a fault or step name
	Zone     string  `yaml:"zone,omitempty"`     // trafficShare
	Min      Bound   `yaml:"min,omitempty"`      // trafficShare: a ratio
	Max      Bound   `yaml:"max,omitempty"`      // a duration for propagation/recovery, a ratio otherwise
}

// Window is the part of a run between two steps (each a step or fault name). From defaults to
// the start of the load, To to its end.
type Window struct {
	From string `yaml:"from,omitempty"`
	To   string `yaml:"to,omitempty"`
}

// Bound is a check limit: a duration ("250ms") or a ratio (0.001) depending on the check type.
// Validation parses it in the check's terms.
type Bound struct {
	raw   string
	set   bool
	d     time.Duration
	ratio float64
}

// IsSet reports whether the bound was written.
func (b Bound) IsSet() bool { return b.set }

// Duration is the bound of a propagation or recovery check.
func (b Bound) Duration() time.Duration { return b.d }

// Ratio is the bound of an errorRate or trafficShare check.
func (b Bound) Ratio() float64 { return b.ratio }

func (b Bound) String() string { return b.raw }

// DurationBound is the bound of a propagation or recovery check built in code rather than read
// from YAML.
func DurationBound(d time.Duration) Bound {
	return Bound{raw: d.String(), set: true, d: d}
}

// UnmarshalYAML keeps the scalar; Parse interprets it once the check type is known.
func (b *Bound) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return typeErr(n, "expected a duration or a number")
	}
	b.raw, b.set = n.Value, true
	return nil
}

// MarshalYAML writes the bound as written.
func (b Bound) MarshalYAML() (any, error) { return b.raw, nil }

func (b *Bound) parseDuration() error {
	d, err := time.ParseDuration(b.raw)
	if err != nil || d < 0 {
		return fmt.Errorf("invalid duration %q (use Go syntax such as 250ms)", b.raw)
	}
	b.d = d
	return nil
}

func (b *Bound) parseRatio() error {
	f, err := strconv.ParseFloat(b.raw, 64)
	if err != nil || f < 0 || f > 1 {
		return fmt.Errorf("invalid ratio %q: want a number between 0 and 1", b.raw)
	}
	b.ratio = f
	return nil
}

package scenarios

// Scale is the simulator-only section: a topology described by counts and distributions.
type Scale struct {
	Zones          int        `yaml:"zones"`
	ProxiesPerZone Dist       `yaml:"proxiesPerZone"`
	Services       int        `yaml:"services,omitempty"`
	Policies       int        `yaml:"policies,omitempty"` // pre-existing policies
	Churn          *Churn     `yaml:"churn,omitempty"`
	WAN            *WAN       `yaml:"wan,omitempty"`
	Duration       Duration   `yaml:"duration"` // simulated time
	Calibration    string     `yaml:"calibration,omitempty"`
	Events         []SimEvent `yaml:"events,omitempty"`
}

// Distribution names.
const (
	DistConst     = "const"
	DistUniform   = "uniform"
	DistLognormal = "lognormal"
	DistPareto    = "pareto"
	DistPoisson   = "poisson" // churn only
)

// Dist is a distribution of a count. A plain number is a const distribution of that value.
// Parameters: const(value), uniform(min,max), lognormal(mean,sigma), pareto(min,alpha).
type Dist struct {
	Dist  string  `yaml:"dist"`
	Value float64 `yaml:"value,omitempty"`
	Mean  float64 `yaml:"mean,omitempty"`
	Sigma float64 `yaml:"sigma,omitempty"`
	Min   float64 `yaml:"min,omitempty"`
	Max   float64 `yaml:"max,omitempty"`
	Alpha float64 `yaml:"alpha,omitempty"`
}

// UnmarshalYAML accepts a number or a mapping. It uses the callback form so the decoder's
// strict field checking still applies to the mapping.
func (d *Dist) UnmarshalYAML(unmarshal func(any) error) error {
	var v float64
	if unmarshal(&v) == nil {
		*d = Dist{Dist: DistConst, Value: v}
		return nil
	}
	type plain Dist
	return unmarshal((*plain)(d))
}

// DurationDist is a distribution of durations, with the same parameters as Dist; value, mean
// and min/max are durations, sigma and alpha plain numbers. A plain duration is const.
type DurationDist struct {
	Dist  string   `yaml:"dist"`
	Value Duration `yaml:"value,omitempty"`
	Mean  Duration `yaml:"mean,omitempty"`
	Sigma float64  `yaml:"sigma,omitempty"`
	Min   Duration `yaml:"min,omitempty"`
	Max   Duration `yaml:"max,omitempty"`
	Alpha float64  `yaml:"alpha,omitempty"`
}

// UnmarshalYAML accepts a duration or a mapping, strictly.
func (d *DurationDist) UnmarshalYAML(unmarshal func(any) error) error {
	var v Duration
	if unmarshal(&v) == nil {
		*d = DurationDist{Dist: DistConst, Value: v}
		return nil
	}
	type plain DurationDist
	return unmarshal((*plain)(d))
}

// Churn is the policy write process during the simulated run.
type Churn struct {
	Rate float64 `yaml:"rate"`           // writes per second
	Dist string  `yaml:"dist,omitempty"` // poisson (default) | const
}

// WAN describes every zone↔global and zone↔zone link of the simulation.
type WAN struct {
	Latency DurationDist `yaml:"latency"`
	Loss    float64      `yaml:"loss,omitempty"` // probability per message
}

// SimEvent is a fault at a simulated time. Exactly one of the event fields is set.
type SimEvent struct {
	At             Duration        `yaml:"at"`
	Partition      *ZoneSetFault   `yaml:"partition,omitempty"`
	Crash          *ZoneSetFault   `yaml:"crash,omitempty"`
	GlobalFailover *GlobalFailover `yaml:"globalFailover,omitempty"`
}

// ZoneSetFault hits a share of the zones, or the listed ones (simulated zones are named
// zone-1 … zone-N).
type ZoneSetFault struct {
	Share    float64  `yaml:"share,omitempty"`
	Zones    []string `yaml:"zones,omitempty"`
	Duration Duration `yaml:"duration,omitempty"` // partition
	Downtime Duration `yaml:"downtime,omitempty"` // crash
}

// GlobalFailover takes the global control plane down for Downtime.
type GlobalFailover struct {
	Downtime Duration `yaml:"downtime"`
}

package scenarios

// Fault types; harness/fault registers an implementation under each of these names.
const (
	FaultPartition = "partition"
	FaultLatency   = "latency"
	FaultBandwidth = "bandwidth"
	FaultReset     = "reset"
	FaultFlap      = "flap"
)

// LinkGlobal is the `to` of a zone↔global link.
const LinkGlobal = "global"

// Fault injects a named network fault on one link. It lasts Duration, or until a heal step
// names it when Duration is zero.
type Fault struct {
	Name     string   `yaml:"name"`
	Type     string   `yaml:"type"`
	Link     Link     `yaml:"link"`
	TwoWay   *bool    `yaml:"twoWay,omitempty"`  // partition and flap; default true
	Latency  Duration `yaml:"latency,omitempty"` // latency
	Jitter   Duration `yaml:"jitter,omitempty"`  // latency
	Rate     int      `yaml:"rate,omitempty"`    // bandwidth, KB/s
	Period   Duration `yaml:"period,omitempty"`  // flap: length of one down or up phase
	Duration Duration `yaml:"duration,omitempty"`
}

// IsTwoWay reports whether a partition or flap cuts both directions.
func (f *Fault) IsTwoWay() bool { return f.TwoWay == nil || *f.TwoWay }

// Link is a directed path: zone → zone, or zone → global.
type Link struct {
	From string `yaml:"from"`
	To   string `yaml:"to"`
}

// Name is the link's name as the harness registers it, e.g. "zone-a→zone-b".
func (l Link) Name() string { return l.From + "→" + l.To }

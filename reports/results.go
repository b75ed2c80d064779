package reports

import "time"

// SchemaVersion is the version written into every results file. The major part changes only
// when a field is removed or changes meaning; readers refuse an unknown major version. Minor
// versions only add fields, which older readers ignore.
const SchemaVersion = "1.0"

// Kind says what produced a results file.
type Kind string

const (
	KindRun         Kind = "run"         // zonemesh run: a scenario on a real backend
	KindConformance Kind = "conformance" // zonemesh conformance: the requirement catalog
	KindSim         Kind = "sim"         // zonemesh sim: the discrete-event simulator
)

// Verdict is the outcome of a whole run or of one check.
type Verdict string

const (
	Pass Verdict = "pass"
	Fail Verdict = "fail"
)

// Result is the outcome of one conformance requirement.
type Result string

const (
	Succeeded    Result = "Succeeded"
	Failed       Result = "Failed"
	Skipped      Result = "Skipped"      // Reason says why
	NotSupported Result = "NotSupported" // the target lacks a feature the requirement needs
)

// Propagation stages, from the global write to the proxy that applied it.
const (
	StageGlobalZone = "global-zone" // global acknowledged the write → the zone's store has it
	StageZoneProxy  = "zone-proxy"  // the zone's store has it → the proxy applied it
	StageEndToEnd   = "end-to-end"  // global acknowledged the write → the proxy applied it
)

// Results is everything one run produced. It is plain data: fill it, then Write it.
type Results struct {
	SchemaVersion string    `json:"schemaVersion"`
	Kind          Kind      `json:"kind"`
	Name          string    `json:"name"`                  // scenario or suite name
	Description   string    `json:"description,omitempty"` // what ran, in a sentence
	Simulated     bool      `json:"simulated"`             // true when no real mesh carried the traffic
	Started       time.Time `json:"started"`
	Finished      time.Time `json:"finished"`
	Verdict       Verdict   `json:"verdict"`
	// Summary says why the verdict is what it is, in one line (e.g. "2 of 9 checks failed").
	Summary     string      `json:"summary,omitempty"`
	Environment Environment `json:"environment"`

	// Load holds exact whole-run load figures computed from raw latencies; when nil, readers
	// derive approximate ones from Timeline (see LoadStats).
	Load        *LoadSummary  `json:"load,omitempty"`
	Checks      []Check       `json:"checks,omitempty"`
	Conformance []Requirement `json:"conformance,omitempty"`
	Timeline    []Bucket      `json:"timeline,omitempty"`
	Faults      []FaultWindow `json:"faults,omitempty"`
	Events      []Event       `json:"events,omitempty"`
	Propagation []Sample      `json:"propagation,omitempty"`
	SimSeries   []Series      `json:"simSeries,omitempty"`
	Failures    []Failure     `json:"failures,omitempty"`
	// EvidenceDir is the run's evidence folder (logs, config dumps, raw results); paths in
	// Failures are relative to it unless absolute.
	EvidenceDir string `json:"evidenceDir,omitempty"`
}

// Environment records what ran where, so two results can be compared fairly.
type Environment struct {
	ZonemeshVersion string         `json:"zonemeshVersion"`
	GoVersion       string         `json:"goVersion"`
	Backend         string         `json:"backend,omitempty"` // process, docker, kind, sim
	Seed            int64          `json:"seed"`              // RNG seed of load, faults and the simulator
	Machine         Machine        `json:"machine"`
	Implementation  Implementation `json:"implementation"`     // the mesh under test
	Topology        string         `json:"topology,omitempty"` // e.g. "3 zones × 4 services"
}

// Machine describes the host the run used.
type Machine struct {
	Cores       int    `json:"cores"`
	MemoryBytes uint64 `json:"memoryBytes"`
	OS          string `json:"os"`   // GOOS, or a fuller description
	Arch        string `json:"arch"` // GOARCH
	Hostname    string `json:"hostname,omitempty"`
}

// Implementation names the mesh under test.
type Implementation struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Check is one judged SLO or assertion of a scenario.
type Check struct {
	Name    string  `json:"name"`
	Type    string  `json:"type"` // e.g. propagation-p99, error-rate, recovery
	Verdict Verdict `json:"verdict"`
	Message string  `json:"message,omitempty"`
	// Observed and Bound are in Unit; Op says how they relate for a pass ("<=", ">=", "<", ">", "==").
	Observed float64 `json:"observed"`
	Bound    float64 `json:"bound"`
	Op       string  `json:"op,omitempty"`
	Unit     string  `json:"unit,omitempty"` // s, ms, ratio, count, rps
}

// Requirement is the outcome of one conformance requirement.
type Requirement struct {
	ID              string  `json:"id"` // e.g. MZ-PROP-001
	Title           string  `json:"title"`
	Level           string  `json:"level"`   // MUST or SHOULD
	Profile         string  `json:"profile"` // core, routing, security, resilience, scale
	Result          Result  `json:"result"`
	Reason          string  `json:"reason,omitempty"` // why it failed, was skipped or is unsupported
	DurationSeconds float64 `json:"durationSeconds"`
}

// Bucket is one second of load. T is whole seconds since Started; the bucket covers [T, T+1).
type Bucket struct {
	T         int     `json:"t"`
	Requests  int     `json:"requests"`
	Successes int     `json:"successes"`
	P50Ms     float64 `json:"p50Ms"` // latency of the bucket's requests, milliseconds
	P99Ms     float64 `json:"p99Ms"`
	// ByZone counts the successful responses per answering zone.
	ByZone map[string]int `json:"byZone,omitempty"`
}

// LoadSummary is the whole run's load, computed from every request's latency.
type LoadSummary struct {
	Requests  int     `json:"requests"`
	Successes int     `json:"successes"`
	P50Ms     float64 `json:"p50Ms"` // milliseconds
	P99Ms     float64 `json:"p99Ms"`
	MaxMs     float64 `json:"maxMs"`
}

// FaultWindow is a fault active from Start to End, seconds since Started.
type FaultWindow struct {
	Name   string  `json:"name"`
	Kind   string  `json:"kind"`   // partition, latency, loss, kill, pause, ...
	Target string  `json:"target"` // e.g. "zone-1 <-> zone-2", "global"
	Start  float64 `json:"start"`
	End    float64 `json:"end"`
}

// Event is an instant on the timeline (a policy applied, a component killed), seconds since Started.
type Event struct {
	T     float64 `json:"t"`
	Kind  string  `json:"kind"` // apply, delete, kill, restart, scale, ...
	Label string  `json:"label"`
}

// Sample is one propagation measurement: how long a policy took to cross Stage.
type Sample struct {
	Stage   string  `json:"stage"` // StageGlobalZone, StageZoneProxy or StageEndToEnd
	Zone    string  `json:"zone"`
	Proxy   string  `json:"proxy,omitempty"` // empty for StageGlobalZone
	Policy  string  `json:"policy"`
	Seconds float64 `json:"seconds"`
}

// Series is a named time series of the simulator (queue length, utilisation, ...).
type Series struct {
	Name   string  `json:"name"`
	Unit   string  `json:"unit,omitempty"`
	Points []Point `json:"points"`
}

// Point is one value at T seconds since Started (virtual time for the simulator).
type Point struct {
	T float64 `json:"t"`
	V float64 `json:"v"`
}

// Failure explains one failed check or requirement and where its evidence is.
type Failure struct {
	Check         string   `json:"check,omitempty"`       // name of the failed Check, or
	Requirement   string   `json:"requirement,omitempty"` // ID of the failed Requirement
	Message       string   `json:"message"`
	EvidencePaths []string `json:"evidencePaths,omitempty"`
}

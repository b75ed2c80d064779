package scenarios

// Step is one timeline entry. Exactly one action field is set.
type Step struct {
	At   *Duration `yaml:"at,omitempty"`   // offset from the timeline start; the step also waits for the previous one
	Name string    `yaml:"name,omitempty"` // unique; checks and other steps refer to it

	Load     *LoadStep     `yaml:"load,omitempty"`
	Apply    *Resource     `yaml:"apply,omitempty"`
	Delete   *ResourceRef  `yaml:"delete,omitempty"`
	Fault    *Fault        `yaml:"fault,omitempty"`
	Heal     string        `yaml:"heal,omitempty"` // name of an earlier fault
	Kill     *ComponentRef `yaml:"kill,omitempty"`
	Pause    *ComponentRef `yaml:"pause,omitempty"`
	Resume   *ComponentRef `yaml:"resume,omitempty"`
	Restart  *ComponentRef `yaml:"restart,omitempty"`
	Scale    *ScaleStep    `yaml:"scale,omitempty"`
	Wait     *Wait         `yaml:"wait,omitempty"`
	WaitLoad string        `yaml:"waitLoad,omitempty"` // name of an earlier load step
}

// Action names, as returned by Step.Action.
const (
	ActionLoad     = "load"
	ActionApply    = "apply"
	ActionDelete   = "delete"
	ActionFault    = "fault"
	ActionHeal     = "heal"
	ActionKill     = "kill"
	ActionPause    = "pause"
	ActionResume   = "resume"
	ActionRestart  = "restart"
	ActionScale    = "scale"
	ActionWait     = "wait"
	ActionWaitLoad = "waitLoad"
)

// Actions lists the action names a step sets; a valid step has exactly one.
func (s *Step) Actions() []string {
	var a []string
	add := func(set bool, name string) {
		if set {
			a = append(a, name)
		}
	}
	add(s.Load != nil, ActionLoad)
	add(s.Apply != nil, ActionApply)
	add(s.Delete != nil, ActionDelete)
	add(s.Fault != nil, ActionFault)
	add(s.Heal != "", ActionHeal)
	add(s.Kill != nil, ActionKill)
	add(s.Pause != nil, ActionPause)
	add(s.Resume != nil, ActionResume)
	add(s.Restart != nil, ActionRestart)
	add(s.Scale != nil, ActionScale)
	add(s.Wait != nil, ActionWait)
	add(s.WaitLoad != "", ActionWaitLoad)
	return a
}

// Action is the single action of a valid step.
func (s *Step) Action() string {
	if a := s.Actions(); len(a) == 1 {
		return a[0]
	}
	return ""
}

// LoadStep starts load from a caller in a zone to a service; it runs in the background.
type LoadStep struct {
	From       string            `yaml:"from"` // zone of the caller
	To         string            `yaml:"to"`   // service
	Rate       int               `yaml:"rate"` // requests per second (start rate when ramping)
	RampTo     int               `yaml:"rampTo,omitempty"`
	Duration   Duration          `yaml:"duration"`
	Workers    int               `yaml:"workers,omitempty"`
	MaxWorkers int               `yaml:"maxWorkers,omitempty"`
	Timeout    Duration          `yaml:"timeout,omitempty"` // per request
	Path       string            `yaml:"path,omitempty"`
	Headers    map[string]string `yaml:"headers,omitempty"`
}

// ResourceRef names a resource to delete.
type ResourceRef struct {
	Kind string `yaml:"kind"`
	Mesh string `yaml:"mesh,omitempty"`
	Name string `yaml:"name"`
}

// Components a kill/pause/resume/restart step can target.
const (
	ComponentGlobal  = "global"
	ComponentCP      = "cp"
	ComponentIngress = "ingress"
	ComponentService = "service"
)

// ComponentRef names one component of the topology.
type ComponentRef struct {
	Zone      string `yaml:"zone,omitempty"` // required unless component is global
	Component string `yaml:"component"`
	Service   string `yaml:"service,omitempty"`  // component service only
	Instance  *int   `yaml:"instance,omitempty"` // replica index (ingress: default 0; service: default every replica)
}

// ScaleStep sets the replica count of a service in a zone.
type ScaleStep struct {
	Zone     string `yaml:"zone"`
	Service  string `yaml:"service"`
	Replicas int    `yaml:"replicas"`
}

// Wait conditions.
const (
	WaitConverged   = "converged"
	WaitZonesOnline = "zonesOnline"
	WaitZoneOffline = "zoneOffline"
	WaitDuration    = "duration"
)

// Wait blocks the timeline until a condition holds or its timeout passes (a failed wait fails
// the run); for: duration sleeps for Duration.
type Wait struct {
	For      string   `yaml:"for"`
	Zone     string   `yaml:"zone,omitempty"`     // zoneOffline only
	Timeout  Duration `yaml:"timeout,omitempty"`  // conditions; default 30s
	Duration Duration `yaml:"duration,omitempty"` // for: duration only
}

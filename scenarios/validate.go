package scenarios

import (
	"fmt"
	"regexp"
	"strconv"
)

// validator checks a decoded scenario; every problem is recorded with the line of its field.
type validator struct {
	file string
	pos  *positions
	s    *Scenario
	errs Errors

	// names of timeline steps and faults (one namespace), with the step index that defines them
	names map[string]int
}

func (v *validator) errf(path, format string, args ...any) {
	v.errs = append(v.errs, &Error{File: v.file, Line: v.pos.lineOf(path), Path: path, Msg: fmt.Sprintf(format, args...)})
}

var reDNSLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

func (v *validator) label(path, val string) {
	if val == "" {
		v.errf(path, "required")
	} else if !reDNSLabel.MatchString(val) {
		v.errf(path, "%q is not a DNS label (lower-case letters, digits and '-', at most 63)", val)
	}
}

func idx(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func oneOf(val string, allowed ...string) bool {
	for _, a := range allowed {
		if val == a {
			return true
		}
	}
	return false
}

func (v *validator) run() {
	s := v.s
	v.label("name", s.Name)
	if s.Seed == 0 {
		s.Seed = 1
	}
	if s.Mesh.Name == "" {
		s.Mesh.Name = "default"
	}
	v.label("mesh.name", s.Mesh.Name)
	v.topology()
	v.policies()
	v.timeline()
	v.checks()
	if s.Scale != nil {
		v.scale()
	}
}

func (v *validator) backend(path, b string) {
	if b != "" && !oneOf(b, BackendProcess, BackendDocker, BackendKind, BackendKubeconfig) {
		v.errf(path, "unknown backend %q (process, docker, kind or kubeconfig)", b)
	}
}

func (v *validator) topology() {
	t := &v.s.Topology
	v.backend("topology.backend", t.Backend)
	v.backend("topology.global.backend", t.Global.Backend)
	if len(t.Zones) == 0 && v.s.Scale == nil {
		v.errf("topology.zones", "at least one zone is required")
	}
	seen := map[string]bool{}
	for i := range t.Zones {
		z := &t.Zones[i]
		p := idx("topology.zones", i)
		v.label(p+".name", z.Name)
		if z.Name == LinkGlobal {
			v.errf(p+".name", "%q is reserved for the global control plane", z.Name)
		}
		if seen[z.Name] {
			v.errf(p+".name", "duplicate zone %q", z.Name)
		}
		seen[z.Name] = true
		v.backend(p+".backend", z.Backend)
		if z.Ingress < 0 {
			v.errf(p+".ingress", "must not be negative")
		}
		if z.FakeProxies < 0 {
			v.errf(p+".fakeProxies", "must not be negative")
		}
		type key struct{ name, version string }
		svcs := map[key]bool{}
		for j := range z.Services {
			sv := &z.Services[j]
			sp := idx(p+".services", j)
			v.label(sp+".name", sv.Name)
			if sv.Protocol == "" {
				sv.Protocol = ProtocolHTTP
			}
			if !oneOf(sv.Protocol, ProtocolHTTP, ProtocolTCP) {
				v.errf(sp+".protocol", "unknown protocol %q (http or tcp)", sv.Protocol)
			}
			if sv.Replicas < 0 {
				v.errf(sp+".replicas", "must not be negative")
			}
			k := key{sv.Name, sv.Version}
			if svcs[k] {
				v.errf(sp, "duplicate service %s version %q in zone %s", sv.Name, sv.Version, z.Name)
			}
			svcs[k] = true
		}
	}
}

// serviceExists reports whether any zone deploys the service, and whether some deployment of it
// speaks HTTP.
func (v *validator) serviceExists(name string) (exists, http bool) {
	for _, z := range v.s.Topology.Zones {
		for _, sv := range z.Services {
			if sv.Name == name {
				exists = true
				http = http || sv.Protocol == ProtocolHTTP
			}
		}
	}
	return exists, http
}

func (v *validator) policies() {
	seen := map[string]bool{}
	for i := range v.s.Policies {
		v.resource(idx("policies", i), &v.s.Policies[i], seen)
	}
}

func (v *validator) resource(p string, r *Resource, seen map[string]bool) {
	if r.Kind == "" {
		v.errf(p+".kind", "required")
	}
	if r.Name == "" {
		v.errf(p+".name", "required")
	}
	k := r.Kind + "/" + v.meshOf(r.Mesh) + "/" + r.Name
	if seen != nil && r.Kind != "" && r.Name != "" {
		if seen[k] {
			v.errf(p, "duplicate %s %q", r.Kind, r.Name)
		}
		seen[k] = true
	}
}

func (v *validator) meshOf(m string) string {
	if m == "" {
		return v.s.Mesh.Name
	}
	return m
}
